//! The staff console, `/console`: sign-in, the inbox (filters, search, saved
//! views, deadlines as countdowns, keyboard navigation) and the case view with
//! the actions the decider allows the signed-in person, each a form that goes
//! through the same functions as the JSON API.
//!
//! Merchant staff see their shop's cases; operator staff see every shop's,
//! with a shop filter, and step into any case (mediation, decision).

use super::form::{Errors, Form, FormBody, MultipartForm};
use super::shared;
use super::timeline::{Entry, resolution_text};
use super::ui::{Ui, encode};
use super::{Ctx, WebError, local_path, redirect, set_cookie};
use crate::AppState;
use crate::api::access::ClientIp;
use crate::problem::Problem;
use amiable_app::money::RefundRequest as RefundBody;
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{
    CaseKind, CaseStatus, Command, Decision, DecisionOutcome, Deduction, ExchangeLine,
    GoodwillKind, InspectedLine, ItemCondition, OfferStatus, ParcelStatus, Possible, ReceivedLine,
    Resolution, ResolutionKind, Stage, Visibility,
};
use amiable_domain::case::{
    ConversationCommand, EscalationCommand, LifecycleCommand, MoneyCommand, ReturnCommand,
};
use amiable_domain::ids::{CaseId, MerchantId};
use amiable_domain::money::Money;
use amiable_domain::text::{Body, Label};
use amiable_store::{CaseFilter, CaseSort, SavedView, User};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::Deserialize;

/// Cases per inbox page.
pub const INBOX_PAGE: i64 = 50;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/console", get(inbox))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/views", post(save_view))
        .route("/console/views/{view_id}/delete", post(delete_view))
        .route("/console/cases/{case_id}", get(case_page))
        .route(
            "/console/cases/{case_id}/do/{action}",
            post(act).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/console/cases/{case_id}/files/{sha256}", get(file))
        .route("/console/cases/{case_id}/label", get(label))
}

/// The signed-in staff member, or the sign-in page (then back here).
pub fn staff(ctx: &Ctx) -> Result<(Principal, &User), WebError> {
    let Some(session) = &ctx.staff else {
        // After signing in, a page comes back to itself; a form that found the session
        // expired comes back to the page it was on (its case), never to the form's target.
        let back = if ctx.is_read {
            ctx.path.clone()
        } else {
            match ctx.path.strip_prefix("/console/cases/") {
                Some(rest) => format!("/console/cases/{}", rest.split('/').next().unwrap_or("")),
                None => "/console".to_owned(),
            }
        };
        return Err(WebError::Redirect(format!(
            "/console/login?next={}",
            encode(&back)
        )));
    };
    let user = &session.user;
    Ok((
        Principal::Staff {
            user_id: user.id.clone(),
            operator_id: user.operator_id,
            merchant_id: user.merchant_id,
            role: user.role,
        },
        user,
    ))
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    ui: Ui,
    email: String,
    next: String,
    errors: Errors,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(query): Query<NextQuery>) -> Result<Response, WebError> {
    let next = local_path(query.next.as_deref())
        .unwrap_or("/console")
        .to_owned();
    if ctx.staff.is_some() {
        return Ok(redirect(&next));
    }
    Ok(ctx.render(&LoginPage {
        ui: ctx.ui(),
        email: String::new(),
        next,
        errors: Errors::default(),
    }))
}

/// `POST /console/login`: the API's sign-in (same rate limit, same timing).
async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    // The visitor's double-submit token: there is no session yet.
    ctx.check_csrf(&form)?;
    let email = form.text("email").to_owned();
    let next = local_path(Some(form.text("next")))
        .unwrap_or("/console")
        .to_owned();
    let ui = ctx.ui();
    let mut errors = Errors::default();
    if email.is_empty() {
        errors.add("email", ui.t("login-email-required"));
    }
    let password = form.get("password").unwrap_or("").to_owned();
    if password.is_empty() {
        errors.add("password", ui.t("login-password-required"));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if !errors.any() {
        match crate::api::access::sign_in(&state, ip, &email, password, ctx.secure).await {
            Ok((_, cookie)) => {
                let mut response = redirect(&next);
                set_cookie(&mut response, &cookie);
                return Ok(response);
            }
            Err(problem) => {
                status = StatusCode::from_u16(problem.status).unwrap_or(status);
                errors.add_general(if problem.code == "rate_limited" {
                    ui.t("error-rate-body")
                } else {
                    ui.t("login-failed")
                });
            }
        }
    }
    Ok(ctx.render_status(
        status,
        &LoginPage {
            ui,
            email,
            next,
            errors,
        },
    ))
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    if let Some(session) = &ctx.staff {
        ctx.check_csrf(&form)?;
        state.app().sign_out(&session.token_hash).await?;
    }
    let mut response = redirect("/console/login");
    set_cookie(
        &mut response,
        "amiable_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
    );
    Ok(response)
}

// ------------------------------------------------------------------ inbox

/// One row of the inbox.
pub struct InboxRow {
    pub href: String,
    pub number: String,
    pub email: String,
    pub kind: String,
    pub reason: String,
    pub merchant: String,
    pub status: String,
    pub status_code: &'static str,
    pub stage: Option<String>,
    pub opened: String,
    pub waiting: Option<String>,
    pub deadline: Option<Timestamp>,
    pub claimed: Option<String>,
}

/// The inbox's filters, read from the query string.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    pub q: String,
    pub kind: String,
    pub status: String,
    pub stage: String,
    pub reason: String,
    pub merchant: String,
    pub overdue: bool,
    pub sort: String,
    pub cursor: Option<String>,
}

impl InboxQuery {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = crate::api::cases::query_pairs(raw);
        let form = Form::from_pairs(pairs);
        InboxQuery {
            q: form.text("q").chars().take(320).collect(),
            kind: form.text("kind").to_owned(),
            status: match form.text("status") {
                "" => "open".to_owned(),
                other => other.to_owned(),
            },
            stage: form.text("stage").to_owned(),
            reason: form.text("reason").to_owned(),
            merchant: form.text("merchant").to_owned(),
            overdue: form.checked("overdue"),
            // Only open cases have a next deadline: other statuses are listed by activity.
            sort: match (form.text("sort"), form.text("status")) {
                ("activity", _) => "activity".to_owned(),
                (_, "" | "open") => "deadline".to_owned(),
                _ => "activity".to_owned(),
            },
            cursor: form.get("cursor").map(str::to_owned),
        }
    }

    /// The query string of these filters (without the cursor), for saved views and links.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |key: &str, value: &str| {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(value)));
            }
        };
        push("q", &self.q);
        push("kind", &self.kind);
        if self.status != "open" {
            push("status", &self.status);
        }
        push("stage", &self.stage);
        push("reason", &self.reason);
        push("merchant", &self.merchant);
        if self.overdue {
            push("overdue", "1");
        }
        if self.sort != "deadline" {
            push("sort", &self.sort);
        }
        parts.join("&")
    }
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    ui: Ui,
    query: InboxQuery,
    rows: Vec<InboxRow>,
    next_href: Option<String>,
    first_page_href: Option<String>,
    merchants: Vec<(String, String)>,
    reasons: Vec<(String, String)>,
    views: Vec<(String, String, String, bool)>,
    current_query: String,
    title: String,
    base: String,
}

/// The inbox for `merchant` (a merchant's own, or an operator's per-shop view).
pub async fn inbox_rows(
    state: &AppState,
    ui: &Ui,
    principal: &Principal,
    query: &InboxQuery,
    fixed_merchant: Option<MerchantId>,
    base: &str,
) -> Result<(Vec<InboxRow>, Option<String>), WebError> {
    let mut filter = CaseFilter {
        operator_id: Some(principal.operator_id()),
        merchant_id: principal.merchant_id().or(fixed_merchant),
        limit: INBOX_PAGE + 1,
        ..CaseFilter::default()
    };
    if filter.merchant_id.is_none() && !query.merchant.is_empty() {
        let id = MerchantId::parse(&query.merchant).map_err(|_| WebError::not_found())?;
        let scope = crate::api::list_scope(state, principal, Some(id), None).await?;
        crate::api::allow(principal, Action::ListCases, &scope, "merchant")?;
        filter.merchant_id = Some(id);
    }
    filter.kind = CaseKind::parse(&query.kind);
    filter.status = CaseStatus::parse(&query.status);
    filter.stage = Stage::parse(&query.stage);
    if !query.reason.is_empty() {
        filter.reason = amiable_domain::reason::ReasonCode::parse(&query.reason)
            .ok()
            .map(|r| r.as_str().to_owned());
    }
    if !query.q.is_empty() {
        filter.search = Some(query.q.clone());
    }
    if query.overdue {
        filter.deadline_before = Some(Timestamp::now());
    }
    filter.sort = if query.sort == "activity" {
        CaseSort::LastActivity
    } else {
        CaseSort::Deadline
    };
    filter.after = query
        .cursor
        .as_deref()
        .and_then(|c| crate::api::cases::decode_cursor(filter.sort, c));
    let mut cases = state.store().cases(&filter).await?;
    let next = if cases.len() as i64 > INBOX_PAGE {
        cases.truncate(INBOX_PAGE as usize);
        cases
            .last()
            .and_then(|c| c.cursor(filter.sort))
            .map(|cursor| {
                let params = query.to_query();
                let cursor = crate::api::cases::encode_cursor(filter.sort, cursor);
                if params.is_empty() {
                    format!("{base}?cursor={cursor}")
                } else {
                    format!("{base}?{params}&cursor={cursor}")
                }
            })
    } else {
        None
    };
    let merchants = state.store().merchants(principal.operator_id()).await?;
    let name_of = |id: MerchantId| {
        merchants
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.clone())
            .unwrap_or_default()
    };
    let rows = cases
        .into_iter()
        .map(|c| InboxRow {
            href: format!("/console/cases/{}", c.case_id),
            number: c.order_external_id.clone(),
            email: c.buyer_email.clone(),
            kind: ui.label("kind", c.kind.code()),
            reason: ui.reason(&c.reason),
            merchant: name_of(c.merchant_id),
            status: ui.label("status", c.status.code()),
            status_code: c.status.code(),
            stage: (c.stage != Stage::Negotiation).then(|| ui.label("stage", c.stage.code())),
            opened: ui.ago(&c.opened_at),
            waiting: c.waiting_on.as_deref().map(|w| ui.label("waiting", w)),
            deadline: if c.status == CaseStatus::Open {
                c.next_deadline_at
            } else {
                None
            },
            claimed: c.claimed_minor.map(|m| ui.minor(m, &c.currency)),
        })
        .collect();
    Ok((rows, next))
}

/// The reasons of the operator's taxonomy, for the filter.
pub async fn reason_options(
    state: &AppState,
    ui: &Ui,
    principal: &Principal,
) -> Result<Vec<(String, String)>, WebError> {
    let taxonomy = state.store().taxonomy(principal.operator_id()).await?;
    let mut out = Vec::new();
    for root in amiable_domain::reason::BuiltinReason::ALL {
        out.push((root.code().to_owned(), ui.reason(root.code())));
        for custom in taxonomy.custom.iter().filter(|c| c.code.root() == root) {
            let label = match ui.lang {
                crate::i18n::Lang::Fr => &custom.label_fr,
                crate::i18n::Lang::En => &custom.label_en,
            };
            out.push((
                custom.code.as_str().to_owned(),
                format!("{} — {label}", ui.reason(root.code())),
            ));
        }
    }
    Ok(out)
}

/// `GET /console`: the inbox.
async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let (principal, user) = staff(&ctx)?;
    crate::api::allow_role(&principal, Action::ListCases)?;
    let ui = ctx
        .ui()
        .with_taxonomy(&state.store().taxonomy(principal.operator_id()).await?);
    let query = InboxQuery::parse(raw.as_deref());
    let (rows, next_href) = inbox_rows(&state, &ui, &principal, &query, None, "/console").await?;
    let merchants = if principal.merchant_id().is_none() {
        state
            .store()
            .merchants(principal.operator_id())
            .await?
            .into_iter()
            .map(|m| (m.id.to_string(), m.name))
            .collect()
    } else {
        Vec::new()
    };
    let current_query = query.to_query();
    let views = state
        .store()
        .saved_views(&user.id)
        .await?
        .into_iter()
        .map(|v| {
            let active = v.query == current_query;
            (v.id, v.name, format!("/console?{}", v.query), active)
        })
        .collect();
    let title = match principal.merchant_id() {
        Some(id) => state
            .store()
            .merchant(id)
            .await?
            .map(|m| ui.ta("inbox-title-shop", "shop", m.name))
            .unwrap_or_else(|| ui.t("inbox-title")),
        None => ui.t("inbox-title-all"),
    };
    let page = InboxPage {
        first_page_href: query
            .cursor
            .is_some()
            .then(|| format!("/console?{current_query}")),
        reasons: reason_options(&state, &ui, &principal).await?,
        query,
        rows,
        next_href,
        merchants,
        views,
        current_query,
        title,
        base: "/console".to_owned(),
        ui,
    };
    Ok(ctx.render(&page))
}

/// `POST /console/views`: names the current filters.
async fn save_view(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (_, user) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let query = InboxQuery::parse(Some(form.text("query"))).to_query();
    let name: String = form.text("name").chars().take(60).collect();
    if name.is_empty() {
        return Ok(redirect(&format!("/console?{query}&fait=view-needs-name")));
    }
    let view = SavedView {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        name,
        query: query.clone(),
        created_at: Timestamp::now(),
    };
    match state.store().save_view(&view).await {
        Ok(()) => Ok(redirect(&format!("/console?{query}"))),
        Err(amiable_store::StoreError::Duplicate(_)) => {
            Ok(redirect(&format!("/console?{query}&fait=views-full")))
        }
        Err(error) => Err(error.into()),
    }
}

async fn delete_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(view_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (_, user) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    if !state.store().delete_view(&user.id, &view_id).await? {
        return Err(WebError::not_found());
    }
    Ok(redirect("/console?fait=view-deleted"))
}

// -------------------------------------------------------------- case page

/// A line of the order, with what the return says of it.
pub struct OrderLineView {
    pub index: usize,
    pub line_id: String,
    pub title: String,
    pub sku: String,
    pub quantity: u32,
    pub unit_price: String,
    pub unit_price_input: String,
    /// In the return: quantity, basis, until, fee.
    pub returned: Option<(u32, String)>,
    /// What an exchange may replace of this line: the return's quantity, or the case's item's.
    pub exchangeable: Option<u32>,
    pub received: Option<String>,
    pub inspected: Option<String>,
}

/// A canned reply.
pub struct Macro {
    pub key: &'static str,
    pub title: String,
    pub text: String,
}

/// The canned replies (`macro-title-*` and `macro-text-*` in the catalogues).
pub const MACROS: &[&str] = &[
    "ack",
    "need-photos",
    "label-sent",
    "received",
    "refund-done",
    "apology",
];

fn macros(ui: &Ui) -> Vec<Macro> {
    MACROS
        .iter()
        .map(|key| Macro {
            key,
            title: ui.label("macro-title", key),
            text: ui.label("macro-text", key),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/case.html")]
struct CasePage {
    ui: Ui,
    case_id: String,
    short_id: String,
    title: String,
    status: String,
    status_code: &'static str,
    stage: String,
    stage_code: &'static str,
    waiting: Option<String>,
    deadline: Option<Timestamp>,
    opened: String,
    shop: String,
    number: String,
    placed: String,
    total: String,
    buyer_name: String,
    buyer_email: String,
    buyer_phone: Option<String>,
    address: Vec<String>,
    payment: Option<String>,
    shipments: Vec<String>,
    lines: Vec<OrderLineView>,
    ledger: Vec<(String, String)>,
    refundable: Option<String>,
    refundable_input: String,
    currency: String,
    return_facts: Vec<(String, String)>,
    has_label: bool,
    refund_due: Option<String>,
    refunds: Vec<(u32, String, bool)>,
    timeline: Vec<Entry>,
    files_base: String,
    offers: Vec<(u32, String, String, bool)>,
    possible: Vec<Possible>,
    macros: Vec<Macro>,
    version: i64,
    failed: String,
    form: Form,
    errors: Errors,
    next_stage: String,
    buyer_name_short: String,
}

impl CasePage {
    fn can(&self, what: &str) -> bool {
        self.possible.iter().any(|p| possible_name(*p) == what)
    }

    /// A field's value: what was typed when this action's form was refused, else `default`.
    fn value(&self, action: &str, field: &str, default: &str) -> String {
        if self.failed == action {
            self.form.text(field).to_owned()
        } else {
            default.to_owned()
        }
    }

    fn is_open(&self, action: &str) -> bool {
        self.failed == action
    }

    fn err(&self, action: &str, field: &str) -> Option<&str> {
        if self.failed == action {
            self.errors.of(field)
        } else {
            None
        }
    }

    fn general(&self, action: &str) -> Vec<String> {
        if self.failed == action {
            self.errors.general().to_vec()
        } else {
            Vec::new()
        }
    }

    /// `value` for the field `prefix` + `index` (`received_2`).
    fn value_at(
        &self,
        action: &str,
        prefix: &str,
        index: impl std::fmt::Display,
        default: impl std::fmt::Display,
    ) -> String {
        self.value(action, &format!("{prefix}{index}"), &default.to_string())
    }

    fn err_at(&self, action: &str, prefix: &str, index: impl std::fmt::Display) -> Option<&str> {
        if self.failed == action {
            self.errors.of_at(prefix, index)
        } else {
            None
        }
    }

    fn selected_at(
        &self,
        action: &str,
        prefix: &str,
        index: impl std::fmt::Display,
        value: &str,
        default: bool,
    ) -> bool {
        self.selected(action, &format!("{prefix}{index}"), value, default)
    }

    fn selected(&self, action: &str, field: &str, value: &str, default: bool) -> bool {
        if self.failed == action {
            self.form.text(field) == value
        } else {
            default
        }
    }
}

/// The form name of each possible command.
fn possible_name(possible: Possible) -> &'static str {
    match possible {
        Possible::PostMessage => "message",
        Possible::AddNote => "note",
        Possible::AttachFile => "attach",
        Possible::ProposeOffer => "offer",
        Possible::AcceptOffer(_) => "accept",
        Possible::DeclineOffer(_) => "decline",
        Possible::Escalate => "escalate",
        Possible::RecordDecision => "decision",
        Possible::Resolve => "resolve",
        Possible::Reopen => "reopen",
        Possible::Close => "close",
        Possible::Cancel => "cancel",
        Possible::AuthoriseReturn => "authorise",
        Possible::RefuseReturn => "refuse",
        Possible::IssueLabel => "label",
        Possible::RecordParcelScan => "scan",
        Possible::ReceiveReturn => "receive",
        Possible::InspectReturn => "inspect",
        Possible::Refund => "refund",
        Possible::SettleRefund(_) => "settle",
        Possible::FailRefund(_) => "fail",
        Possible::IssueStoreCredit => "store-credit",
        Possible::RecordExchange => "exchange",
        Possible::Compensate => "compensate",
    }
}

async fn case_view(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    case_id: CaseId,
    failed: &str,
    form: Form,
    errors: Errors,
) -> Result<CasePage, WebError> {
    let data = shared::load_case(state, principal, case_id).await?;
    let ui = ctx
        .ui()
        .with_taxonomy(&state.store().taxonomy(data.state.operator_id).await?);
    let viewer = principal.actor().party();
    let order = &data.order;
    let progress = data.state.returns.as_ref();
    let lines = order
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let returned = progress.and_then(|p| {
                p.lines.iter().find(|l| l.line_id == line.line_id).map(|l| {
                    let mut terms = vec![if l.basis == "policy" {
                        ui.t("basis-policy")
                    } else {
                        ui.law(&l.basis)
                    }];
                    if let Some(until) = l.until {
                        terms.push(ui.ta("until", "date", ui.date_short(&until)));
                    }
                    if let Some(fee) = &l.restocking_fee {
                        terms.push(ui.ta("terms-restocking-amount", "amount", ui.money(fee)));
                    }
                    if l.returnless {
                        terms.push(ui.t("timeline-returnless"));
                    }
                    (l.quantity.get(), terms.join(" · "))
                })
            });
            let exchangeable = match progress {
                Some(p) => p
                    .lines
                    .iter()
                    .find(|l| l.line_id == line.line_id)
                    .map(|l| l.quantity.get()),
                None => data
                    .state
                    .items
                    .iter()
                    .find(|i| i.line_id == line.line_id)
                    .map(|i| i.quantity.get()),
            };
            OrderLineView {
                exchangeable,
                index,
                line_id: line.line_id.as_str().to_owned(),
                title: line.title.as_str().to_owned(),
                sku: line.sku.as_str().to_owned(),
                quantity: line.quantity.get(),
                unit_price: ui.money(&line.unit_price),
                unit_price_input: ui.money_input(&line.unit_price),
                returned,
                received: progress.and_then(|p| {
                    p.received
                        .iter()
                        .find(|r| r.line_id == line.line_id)
                        .map(|r| {
                            format!(
                                "{} — {}",
                                r.quantity,
                                ui.label("condition", r.condition.code())
                            )
                        })
                }),
                inspected: progress.and_then(|p| {
                    p.inspected
                        .iter()
                        .find(|i| i.line_id == line.line_id)
                        .map(|i| {
                            if i.compliant {
                                ui.t("timeline-compliant")
                            } else {
                                ui.t("timeline-not-compliant")
                            }
                        })
                }),
            }
        })
        .collect();
    let ledger = Some(shared::ledger_of(state, order).await?);
    let mut ledger_rows = Vec::new();
    let mut refundable = None;
    if let Some(l) = &ledger {
        ledger_rows.push((ui.t("ledger-captured"), ui.money(&l.captured)));
        ledger_rows.push((ui.t("ledger-refunded"), ui.money(&l.refunded)));
        if l.store_credit.is_positive() {
            ledger_rows.push((ui.t("ledger-store-credit"), ui.money(&l.store_credit)));
        }
        if l.compensation.is_positive() {
            ledger_rows.push((ui.t("ledger-compensation"), ui.money(&l.compensation)));
        }
        if l.surcharge_due.is_positive() {
            ledger_rows.push((ui.t("ledger-surcharge"), ui.money(&l.surcharge_due)));
        }
        if l.due_from_buyer.is_positive() {
            ledger_rows.push((ui.t("ledger-due-from-buyer"), ui.money(&l.due_from_buyer)));
        }
        refundable = Some(l.refundable());
    }
    let mut return_facts = Vec::new();
    if let Some(p) = progress {
        return_facts.push((ui.t("return-stage"), ui.label("rstage", p.stage.code())));
        if let Some(rma) = &p.rma {
            return_facts.push((ui.t("return-rma"), rma.clone()));
        }
        return_facts.push((
            ui.t("return-shipping"),
            ui.label(
                "shipping",
                match p.return_shipping {
                    amiable_domain::returns::ReturnShipping::Buyer => "buyer",
                    amiable_domain::returns::ReturnShipping::Merchant => "merchant",
                },
            ),
        ));
        if let Some(preferred) = p.preferred {
            return_facts.push((
                ui.t("return-preferred"),
                ui.label("prefer", preferred.code()),
            ));
        }
        return_facts.push((
            ui.t("return-policy"),
            ui.ta2(
                "return-policy-ref",
                "what",
                ui.label("policy-source", p.policy.source.code()),
                "version",
                p.policy.version,
            ),
        ));
        if let Some(label) = &p.label {
            return_facts.push((
                ui.t("return-tracking"),
                format!(
                    "{} {}",
                    label.carrier.as_str(),
                    label.tracking_number.as_str()
                ),
            ));
        }
        if let Some(scan) = &p.last_scan {
            return_facts.push((
                ui.t("return-last-scan"),
                format!(
                    "{} — {}",
                    ui.label("scan", scan.status.code()),
                    ui.datetime(&scan.scanned_at)
                ),
            ));
        }
    }
    let refund_due = progress.and_then(|p| p.refund_due_by).map(|due| {
        let end = due
            .to_zoned(super::format::zone())
            .ok()
            .and_then(|z| z.checked_add(jiff::SignedDuration::from_hours(24)).ok())
            .map(|z| z.timestamp());
        match end {
            Some(end) if data.state.status == CaseStatus::Open => {
                format!("{} ({})", ui.date(&due), ui.countdown(&end))
            }
            _ => ui.date(&due),
        }
    });
    let refunds = data
        .state
        .refunds
        .iter()
        .map(|r| {
            let mut text = ui.ta2(
                "money-refund",
                "amount",
                ui.money(&r.amount),
                "status",
                ui.label("refund", r.status.code()),
            );
            if let Some(late) = &r.late {
                text.push_str(" — ");
                text.push_str(&super::timeline::late_text(&ui, late));
            }
            (
                r.refund_id,
                text,
                r.status == amiable_domain::case::RefundStatus::Pending,
            )
        })
        .collect();
    let offers = data
        .state
        .offers
        .iter()
        .map(|o| {
            (
                o.offer_id,
                resolution_text(&ui, &o.terms),
                ui.ta2(
                    "offer-between",
                    "who",
                    ui.label("party", o.by.code()),
                    "party",
                    ui.label("party", o.to.code()),
                ),
                o.status == OfferStatus::Pending,
            )
        })
        .collect();
    let address = order
        .shipping_address
        .as_ref()
        .map(|a| {
            let mut lines = a.lines.clone();
            lines.push(format!("{} {}", a.postal_code, a.city));
            lines.push(a.country.clone());
            lines
        })
        .unwrap_or_default();
    let currency = order.currency;
    Ok(CasePage {
        case_id: case_id.to_string(),
        short_id: shared::short_id(&case_id),
        title: format!(
            "{} — {}",
            ui.label("kind", data.state.kind.code()),
            ui.reason(data.state.reason.as_str())
        ),
        status: ui.label("status", data.state.status.code()),
        status_code: data.state.status.code(),
        stage: ui.label("stage", data.state.stage.code()),
        stage_code: data.state.stage.code(),
        waiting: data.state.waiting_on.map(|p| ui.label("waiting", p.code())),
        deadline: if data.state.status == CaseStatus::Open {
            data.next_deadline
        } else {
            None
        },
        opened: ui.datetime(&data.state.opened_at),
        shop: data.merchant.name.clone(),
        number: order.external_id.as_str().to_owned(),
        placed: ui.day_of(&order.placed_at),
        total: order.total().map(|t| ui.money(&t)).unwrap_or_default(),
        buyer_name: order.buyer.name.as_str().to_owned(),
        buyer_name_short: order.buyer.name.as_str().to_owned(),
        buyer_email: order.buyer.email.as_str().to_owned(),
        buyer_phone: order.buyer.phone.as_ref().map(|p| p.as_str().to_owned()),
        address,
        payment: order.payment.as_ref().map(|p| {
            format!(
                "{} · {} · {}",
                serde_json::to_value(p.provider)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                p.transaction_id.as_str(),
                ui.money(&p.captured)
            )
        }),
        shipments: order
            .shipments
            .iter()
            .map(|s| {
                let mut text = s.carrier.as_str().to_owned();
                if let Some(t) = &s.tracking_number {
                    text.push_str(&format!(" {}", t.as_str()));
                }
                match (s.shipped_at, s.delivered_at) {
                    (_, Some(d)) => {
                        text.push_str(" — ");
                        text.push_str(&ui.ta("shipment-delivered", "date", ui.day_of(&d)));
                    }
                    (Some(at), None) => {
                        text.push_str(" — ");
                        text.push_str(&ui.ta("shipment-shipped", "date", ui.day_of(&at)));
                    }
                    _ => {}
                }
                text
            })
            .collect(),
        lines,
        ledger: ledger_rows,
        refundable_input: refundable.map(|r| ui.money_input(&r)).unwrap_or_default(),
        refundable: refundable.map(|r| ui.money(&r)),
        currency: currency.code().to_owned(),
        return_facts,
        has_label: progress.is_some_and(|p| p.label.is_some()),
        refund_due,
        refunds,
        timeline: data.timeline(&ui, viewer),
        files_base: format!("/console/cases/{case_id}/files"),
        offers,
        next_stage: data
            .state
            .stage
            .next()
            .map(|s| ui.label("stage", s.code()))
            .unwrap_or_default(),
        possible: data.possible.clone(),
        macros: macros(&ui),
        version: data.state.version,
        failed: failed.to_owned(),
        form,
        errors,
        ui,
    })
}

fn parse_case(raw: &str) -> Result<CaseId, WebError> {
    CaseId::parse(raw).map_err(|_| WebError::not_found())
}

/// `GET /console/cases/{case_id}`.
async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    let page = case_view(
        &state,
        &ctx,
        &principal,
        case_id,
        "",
        Form::default(),
        Errors::default(),
    )
    .await?;
    Ok(ctx.render(&page))
}

/// Why a form could not become a command: field errors to show beside the fields.
struct Invalid(Errors);

fn label_field(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Label> {
    match Label::parse(form.text(field)) {
        Ok(label) => Some(label),
        Err(e) => {
            errors.add_text(field, &e, ui.lang, "error-required");
            None
        }
    }
}

fn optional_label(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Label> {
    if form.text(field).is_empty() {
        None
    } else {
        label_field(ui, form, field, errors)
    }
}

fn amount_field(
    ui: &Ui,
    form: &Form,
    field: &str,
    currency: amiable_domain::money::Currency,
    required: bool,
    errors: &mut Errors,
) -> Option<Money> {
    let text = form.text(field);
    if text.is_empty() {
        if required {
            errors.add(field, ui.t("error-amount-invalid"));
        }
        return None;
    }
    match super::format::parse_amount(text, currency, ui.lang) {
        Ok(amount) if amount.is_positive() => Some(amount),
        Ok(_) => {
            errors.add(field, ui.t("error-amount-positive"));
            None
        }
        Err(e) => {
            errors.add(field, ui.t(e.key()));
            None
        }
    }
}

fn confirmed(ui: &Ui, form: &Form, errors: &mut Errors) {
    if !form.checked("confirm") {
        errors.add("confirm", ui.t("confirm-required"));
    }
}

/// The deductions typed in a form (`deduction_label_N` / `deduction_amount_N`).
fn deductions(
    ui: &Ui,
    form: &Form,
    prefix: &str,
    currency: amiable_domain::money::Currency,
    errors: &mut Errors,
) -> Vec<Deduction> {
    let mut out = Vec::new();
    for n in 0..3 {
        let label_name = format!("{prefix}label_{n}");
        let amount_name = format!("{prefix}amount_{n}");
        if form.text(&label_name).is_empty() && form.text(&amount_name).is_empty() {
            continue;
        }
        let label = label_field(ui, form, &label_name, errors);
        let amount = amount_field(ui, form, &amount_name, currency, true, errors);
        if let (Some(label), Some(amount)) = (label, amount) {
            out.push(Deduction { label, amount });
        }
    }
    out
}

/// `POST /console/cases/{case_id}/do/{action}`: one action of the case page.
async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((case_id, action)): Path<(String, String)>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&submission.form)?;
    let case_id = parse_case(&case_id)?;
    let form = submission.form.clone();
    let ui = ctx.ui();
    match perform(&state, &ctx, &principal, case_id, &action, &submission).await {
        Ok(notice) => Ok(redirect(&format!("/console/cases/{case_id}?fait={notice}"))),
        Err(Failure::Invalid(Invalid(errors))) => {
            let page = case_view(&state, &ctx, &principal, case_id, &action, form, errors).await?;
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Failure::Refused(problem))
            if problem.status < 500 && !matches!(problem.status, 403 | 404) =>
        {
            let errors = Errors::from_problem(&problem, ui.lang, |path| field_of(&action, path));
            let page = case_view(&state, &ctx, &principal, case_id, &action, form, errors).await?;
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(Failure::Refused(problem)) => Err(problem.into()),
        Err(Failure::Page(error)) => Err(error),
    }
}

/// Where an API field error lands in an action's form.
fn field_of(action: &str, path: &str) -> Option<String> {
    let root = path.split(['.', '[']).next().unwrap_or(path);
    let known: &[&str] = match action {
        "message" | "note" => &["body"],
        "offer" | "resolve" => &["amount", "note", "kind", "message"],
        "decision" => &["amount", "rationale", "outcome", "kind"],
        "refuse" => &["ground"],
        "escalate" | "reopen" | "cancel" => &["reason"],
        "refund" => &["amount", "reference"],
        "store-credit" => &["amount", "bonus_percent"],
        "compensate" => &["amount", "note", "kind"],
        "label" => &["weight_grams", "parcel_count"],
        _ => &[],
    };
    let mapped = match root {
        "terms" | "resolution" => path.rsplit('.').next().unwrap_or(root),
        "decision" => path.rsplit('.').next().unwrap_or(root),
        other => other,
    };
    known.contains(&mapped).then(|| mapped.to_owned())
}

enum Failure {
    Invalid(Invalid),
    Refused(Problem),
    Page(WebError),
}

impl From<amiable_app::Error> for Failure {
    fn from(error: amiable_app::Error) -> Self {
        Failure::Refused(error.into())
    }
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Self {
        Failure::Refused(problem)
    }
}

impl From<WebError> for Failure {
    fn from(error: WebError) -> Self {
        Failure::Page(error)
    }
}

impl From<amiable_store::StoreError> for Failure {
    fn from(error: amiable_store::StoreError) -> Self {
        Failure::Refused(error.into())
    }
}

fn check(errors: Errors) -> Result<(), Failure> {
    if errors.any() {
        Err(Failure::Invalid(Invalid(errors)))
    } else {
        Ok(())
    }
}

/// Turns one form into its command and runs it; the notice to show on success.
async fn perform(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    case_id: CaseId,
    action: &str,
    submission: &super::form::Submission,
) -> Result<&'static str, Failure> {
    let ui = ctx.ui();
    let form = &submission.form;
    let expected = form.version()?;
    // Money never moves without the version the person saw: a replayed or stale form is a conflict.
    if expected.is_none()
        && matches!(
            action,
            "refund" | "store-credit" | "exchange" | "compensate" | "decision" | "settle" | "fail"
        )
    {
        return Err(Failure::Page(WebError::page(
            StatusCode::BAD_REQUEST,
            "error-refused-title",
            "error-form-unreadable",
        )));
    }
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| async move {
        state
            .app()
            .execute_for(principal, case_id, action, expected, command)
            .await
            .map(|_| ())
    };
    let record = state
        .store()
        .case(case_id)
        .await?
        .ok_or_else(WebError::not_found)?;
    let currency = record.state.order_total.currency;
    match action {
        "message" | "note" => {
            let mut text = form.text("body").to_owned();
            if text.is_empty()
                && let Some(key) = MACROS.iter().find(|k| **k == form.text("macro"))
            {
                text = ui.label("macro-text", key);
            }
            let body = match Body::parse(&text) {
                Ok(body) => Some(body),
                Err(_) if text.is_empty() && !submission.uploads.is_empty() => None,
                Err(e) => {
                    errors.add_text("body", &e, ui.lang, "message-empty");
                    None
                }
            };
            if submission.too_large {
                errors.add("files", ui.t("photos-too-large"));
            }
            if submission.too_many {
                errors.add(
                    "files",
                    ui.ta("photos-too-many", "count", super::form::MAX_FILES),
                );
            }
            // Files are checked before the text is written: all of it goes in, or nothing.
            if !submission.uploads.is_empty() {
                let order = record_order(state, &record).await?;
                let possible = shared::possible(state, principal, &record.state, &order).await?;
                if !possible.contains(&Possible::AttachFile) {
                    // The page offers no file field then: the message goes to the form's top.
                    errors.add_general(ui.t("files-not-now"));
                }
            }
            for upload in &submission.uploads {
                if amiable_domain::sniff::sniff(&upload.bytes).is_none() {
                    errors.add(
                        "files",
                        ui.ta(
                            "files-wrong-type",
                            "name",
                            upload.filename.as_deref().unwrap_or("?"),
                        ),
                    );
                }
            }
            check(errors)?;
            let internal = action == "note";
            if let Some(body) = body {
                if internal {
                    run(
                        Action::AddNote,
                        Command::Conversation(ConversationCommand::AddNote { body }),
                    )
                    .await?;
                } else {
                    run(
                        Action::PostMessage,
                        Command::Conversation(ConversationCommand::PostMessage { body }),
                    )
                    .await?;
                }
            }
            for upload in &submission.uploads {
                state
                    .app()
                    .attach(
                        principal,
                        case_id,
                        None,
                        upload.filename.as_deref(),
                        &upload.bytes,
                        if internal {
                            Visibility::Internal
                        } else {
                            Visibility::Public
                        },
                    )
                    .await?;
            }
            Ok(if internal {
                "note-added"
            } else {
                "message-sent"
            })
        }
        "offer" | "resolve" => {
            let kind = ResolutionKind::parse(form.text("kind"));
            if kind.is_none() {
                errors.add("kind", ui.t("error-choice"));
            }
            let needs_amount = kind.is_some_and(|k| k.requires_amount());
            let amount = amount_field(&ui, form, "amount", currency, needs_amount, &mut errors);
            let note = optional_label(&ui, form, "note", &mut errors);
            let message = match form.text("message") {
                "" => None,
                text => match Body::parse(text) {
                    Ok(b) => Some(b),
                    Err(e) => {
                        errors.add_text("message", &e, ui.lang, "error-required");
                        None
                    }
                },
            };
            if amount.is_some() {
                confirmed(&ui, form, &mut errors);
            }
            check(errors)?;
            let Some(kind) = kind else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            let terms = Resolution {
                kind,
                amount,
                bonus_percent: None,
                goodwill: (kind == ResolutionKind::Goodwill).then_some(GoodwillKind::Voucher),
                note,
            };
            if action == "offer" {
                run(
                    Action::ProposeOffer,
                    Command::Escalation(EscalationCommand::ProposeOffer { terms, message }),
                )
                .await?;
                Ok("offer-sent")
            } else {
                run(
                    Action::Resolve,
                    Command::Lifecycle(LifecycleCommand::Resolve { resolution: terms }),
                )
                .await?;
                Ok("resolved")
            }
        }
        "accept" | "decline" => {
            let offer_id: u32 = form
                .text("offer_id")
                .parse()
                .map_err(|_| WebError::not_found())?;
            if action == "accept" {
                run(
                    Action::AnswerOffer,
                    Command::Escalation(EscalationCommand::AcceptOffer { offer_id }),
                )
                .await?;
                Ok("offer-accepted-staff")
            } else {
                let reason = optional_label(&ui, form, "reason", &mut errors);
                check(errors)?;
                run(
                    Action::AnswerOffer,
                    Command::Escalation(EscalationCommand::DeclineOffer { offer_id, reason }),
                )
                .await?;
                Ok("offer-declined-staff")
            }
        }
        "escalate" => {
            let reason = label_field(&ui, form, "reason", &mut errors);
            check(errors)?;
            let to = Stage::parse(form.text("to"));
            run(
                Action::Escalate,
                Command::Escalation(EscalationCommand::Escalate {
                    to,
                    reason: reason.ok_or_else(|| Failure::Invalid(Invalid(Errors::default())))?,
                }),
            )
            .await?;
            Ok("escalated-staff")
        }
        "decision" => {
            let outcome = DecisionOutcome::parse(form.text("outcome"));
            if outcome.is_none() {
                errors.add("outcome", ui.t("error-choice"));
            }
            let kind = ResolutionKind::parse(form.text("kind"));
            if kind.is_none() {
                errors.add("kind", ui.t("error-choice"));
            }
            let amount = amount_field(
                &ui,
                form,
                "amount",
                currency,
                kind.is_some_and(|k| k.requires_amount()),
                &mut errors,
            );
            let rationale = label_field(&ui, form, "rationale", &mut errors);
            confirmed(&ui, form, &mut errors);
            check(errors)?;
            let (Some(outcome), Some(kind), Some(rationale)) = (outcome, kind, rationale) else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            run(
                Action::RecordDecision,
                Command::Escalation(EscalationCommand::RecordDecision {
                    decision: Decision {
                        outcome,
                        resolution: Resolution {
                            kind,
                            amount,
                            bonus_percent: None,
                            goodwill: (kind == ResolutionKind::Goodwill)
                                .then_some(GoodwillKind::Voucher),
                            note: None,
                        },
                        rationale,
                    },
                }),
            )
            .await?;
            Ok("decision-recorded")
        }
        "reopen" => {
            let reason = label_field(&ui, form, "reason", &mut errors);
            check(errors)?;
            let Some(reason) = reason else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            run(
                Action::Reopen,
                Command::Lifecycle(LifecycleCommand::Reopen { reason }),
            )
            .await?;
            Ok("reopened")
        }
        "close" => {
            run(Action::Close, Command::Lifecycle(LifecycleCommand::Close)).await?;
            Ok("closed")
        }
        "cancel" => {
            let reason = label_field(&ui, form, "reason", &mut errors);
            check(errors)?;
            let Some(reason) = reason else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            run(
                Action::Cancel,
                Command::Lifecycle(LifecycleCommand::Cancel { reason }),
            )
            .await?;
            Ok("cancelled-staff")
        }
        "authorise" => {
            state
                .app()
                .authorise_return(principal, case_id, expected, form.checked("returnless"))
                .await?;
            Ok("authorised")
        }
        "refuse" => {
            let ground = label_field(&ui, form, "ground", &mut errors);
            check(errors)?;
            let Some(ground) = ground else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            run(
                Action::HandleReturn,
                Command::Returns(ReturnCommand::RefuseReturn { ground }),
            )
            .await?;
            Ok("refused")
        }
        "label" => {
            let weight = match form.text("weight_grams") {
                "" => None,
                text => match text.parse::<u32>() {
                    Ok(w) if (1..=70_000).contains(&w) => Some(w),
                    _ => {
                        errors.add("weight_grams", ui.t("error-weight"));
                        None
                    }
                },
            };
            let parcels = match form.text("parcel_count") {
                "" => None,
                text => match text.parse::<u32>() {
                    Ok(n) if (1..=20).contains(&n) => Some(n),
                    _ => {
                        errors.add("parcel_count", ui.t("error-parcels"));
                        None
                    }
                },
            };
            check(errors)?;
            state
                .app()
                .issue_label(principal, case_id, expected, weight, parcels)
                .await?;
            Ok("label-issued")
        }
        "scan" => {
            let status = ParcelStatus::parse(form.text("status"));
            if status.is_none() {
                errors.add("status", ui.t("error-choice"));
            }
            let location = optional_label(&ui, form, "location", &mut errors);
            check(errors)?;
            let Some(status) = status else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            run(
                Action::HandleReturn,
                Command::Returns(ReturnCommand::RecordParcelScan {
                    status,
                    scanned_at: Timestamp::now(),
                    location,
                    carrier_event_id: None,
                }),
            )
            .await?;
            Ok("scan-recorded")
        }
        "receive" => {
            let progress = record.state.returns.as_ref();
            let order = record_order(state, &record).await?;
            let mut lines = Vec::new();
            for line in progress.map(|p| p.lines.as_slice()).unwrap_or_default() {
                let index = index_of(&order, line.line_id.as_str());
                let qty_field = format!("received_{index}");
                let quantity = match form.text(&qty_field).parse::<u32>() {
                    Ok(q) => q,
                    Err(_) => {
                        errors.add(&qty_field, ui.t("error-quantity"));
                        continue;
                    }
                };
                let condition_field = format!("condition_{index}");
                let Some(condition) = ItemCondition::parse(form.text(&condition_field)) else {
                    errors.add(&condition_field, ui.t("error-choice"));
                    continue;
                };
                lines.push(ReceivedLine {
                    line_id: line.line_id.clone(),
                    quantity,
                    condition,
                    note: optional_label(&ui, form, &format!("note_{index}"), &mut errors),
                });
            }
            check(errors)?;
            run(
                Action::HandleReturn,
                Command::Returns(ReturnCommand::ReceiveReturn { lines }),
            )
            .await?;
            Ok("received")
        }
        "inspect" => {
            let progress = record.state.returns.as_ref();
            let order = record_order(state, &record).await?;
            let mut lines = Vec::new();
            for line in progress.map(|p| p.received.as_slice()).unwrap_or_default() {
                let index = index_of(&order, line.line_id.as_str());
                let compliant = form.text(&format!("compliant_{index}")) != "no";
                let mut deductions = Vec::new();
                let (label_name, amount_name) =
                    (format!("dlabel_{index}"), format!("damount_{index}"));
                if !form.text(&label_name).is_empty() || !form.text(&amount_name).is_empty() {
                    let label = label_field(&ui, form, &label_name, &mut errors);
                    let amount = amount_field(&ui, form, &amount_name, currency, true, &mut errors);
                    if let (Some(label), Some(amount)) = (label, amount) {
                        deductions.push(Deduction { label, amount });
                    }
                }
                lines.push(InspectedLine {
                    line_id: line.line_id.clone(),
                    compliant,
                    deductions,
                });
            }
            check(errors)?;
            run(
                Action::HandleReturn,
                Command::Returns(ReturnCommand::InspectReturn { lines }),
            )
            .await?;
            Ok("inspected")
        }
        "refund" => {
            let amount = amount_field(&ui, form, "amount", currency, false, &mut errors);
            let deductions = deductions(&ui, form, "deduction_", currency, &mut errors);
            let reference = optional_label(&ui, form, "reference", &mut errors);
            confirmed(&ui, form, &mut errors);
            check(errors)?;
            state
                .app()
                .refund(
                    principal,
                    case_id,
                    expected,
                    RefundBody {
                        amount,
                        deductions,
                        reference,
                        resolve: !form.checked("keep_open"),
                        expected_version: None,
                    },
                )
                .await?;
            Ok("refunded")
        }
        "settle" | "fail" => {
            let refund_id: u32 = form
                .text("refund_id")
                .parse()
                .map_err(|_| WebError::not_found())?;
            let text = label_field(&ui, form, "reference", &mut errors);
            check(errors)?;
            let Some(text) = text else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            let command = if action == "settle" {
                Command::Money(MoneyCommand::SettleRefund {
                    refund_id,
                    reference: text,
                })
            } else {
                Command::Money(MoneyCommand::FailRefund {
                    refund_id,
                    error: text,
                })
            };
            run(Action::MoveMoney, command).await?;
            Ok(if action == "settle" {
                "refund-settled"
            } else {
                "refund-failed"
            })
        }
        "store-credit" => {
            let amount = amount_field(&ui, form, "amount", currency, false, &mut errors);
            let bonus = match form.text("bonus_percent") {
                "" => None,
                text => match text.parse::<u8>() {
                    Ok(b) if b <= 100 => Some(b),
                    _ => {
                        errors.add("bonus_percent", ui.t("error-percent"));
                        None
                    }
                },
            };
            confirmed(&ui, form, &mut errors);
            check(errors)?;
            run(
                Action::MoveMoney,
                Command::Money(MoneyCommand::IssueStoreCredit {
                    amount,
                    bonus_percent: bonus,
                    resolve: true,
                }),
            )
            .await?;
            Ok("store-credit-issued")
        }
        "exchange" => {
            let order = record_order(state, &record).await?;
            let mut lines = Vec::new();
            // A return's lines, or the items of another kind of case.
            let exchangeable: Vec<(amiable_domain::ids::LineId, amiable_domain::order::Quantity)> =
                match &record.state.returns {
                    Some(p) => p
                        .lines
                        .iter()
                        .map(|l| (l.line_id.clone(), l.quantity))
                        .collect(),
                    None => record
                        .state
                        .items
                        .iter()
                        .map(|i| (i.line_id.clone(), i.quantity))
                        .collect(),
                };
            for (line_id, quantity) in &exchangeable {
                let index = index_of(&order, line_id.as_str());
                if !form.checked(&format!("exchange_{index}")) {
                    continue;
                }
                let sku = label_field(&ui, form, &format!("sku_{index}"), &mut errors);
                let title = label_field(&ui, form, &format!("title_{index}"), &mut errors);
                let price = amount_field(
                    &ui,
                    form,
                    &format!("price_{index}"),
                    currency,
                    true,
                    &mut errors,
                );
                if let (Some(sku), Some(title), Some(unit_price)) = (sku, title, price) {
                    lines.push(ExchangeLine {
                        line_id: line_id.clone(),
                        quantity: *quantity,
                        sku,
                        title,
                        unit_price,
                    });
                }
            }
            if lines.is_empty() && !errors.any() {
                errors.add_general(ui.t("exchange-choose"));
            }
            confirmed(&ui, form, &mut errors);
            check(errors)?;
            state
                .app()
                .exchange(principal, case_id, expected, lines)
                .await?;
            Ok("exchanged")
        }
        "compensate" => {
            let kind = GoodwillKind::parse(form.text("kind"));
            if kind.is_none() {
                errors.add("kind", ui.t("error-choice"));
            }
            let amount = amount_field(&ui, form, "amount", currency, true, &mut errors);
            let note = optional_label(&ui, form, "note", &mut errors);
            confirmed(&ui, form, &mut errors);
            check(errors)?;
            let (Some(kind), Some(amount)) = (kind, amount) else {
                return Err(Failure::Invalid(Invalid(Errors::default())));
            };
            run(
                Action::MoveMoney,
                Command::Money(MoneyCommand::Compensate {
                    kind,
                    amount,
                    note,
                    resolve: form.checked("resolve"),
                }),
            )
            .await?;
            Ok("compensated")
        }
        _ => Err(Failure::Page(WebError::not_found())),
    }
}

async fn record_order(
    state: &AppState,
    record: &amiable_store::CaseRecord,
) -> Result<amiable_domain::order::Order, Failure> {
    Ok(state
        .store()
        .order(record.state.order_id)
        .await?
        .ok_or_else(WebError::not_found)?
        .order)
}

fn index_of(order: &amiable_domain::order::Order, line_id: &str) -> usize {
    order
        .lines
        .iter()
        .position(|l| l.line_id.as_str() == line_id)
        .unwrap_or(usize::MAX)
}

/// `GET /console/cases/{case_id}/files/{sha256}`.
async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((case_id, sha256)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    Ok(crate::api::attachments::file_response(&state, &principal, case_id, &sha256).await?)
}

/// `GET /console/cases/{case_id}/label[?format=a4]`.
async fn label(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    Query(query): Query<shared::LabelQuery>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    let size = query.size()?;
    Ok(crate::api::returns::label_response(&state, &principal, case_id, Some(size)).await?)
}
