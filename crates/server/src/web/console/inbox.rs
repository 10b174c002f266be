//! The inbox: cases with their deadlines, filters, search and saved views.

use super::staff;
use crate::AppState;
use crate::web::form::{Form, FormBody};
use crate::web::ui::{Ui, encode};
use crate::web::{Ctx, WebError, redirect};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{CaseKind, CaseStatus, Stage};
use amiable_domain::ids::MerchantId;
use amiable_store::{AssigneeFilter, CaseFilter, CaseSort, SavedView};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use jiff::Timestamp;

/// Cases per inbox page.
pub const INBOX_PAGE: i64 = 50;

/// One row of the inbox.
pub struct InboxRow {
    pub case_id: String,
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
    /// Who handles it: a person (and their team), or a team's queue.
    pub assignee: Option<String>,
    /// Its service-level targets in words (« 1ʳᵉ réponse dans 3 h »).
    pub sla: Vec<crate::web::sla::Badge>,
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
    /// Whose cases: "" (everyone's), `me`, `none` (unassigned), `team` (my teams').
    pub assignee: String,
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
                // Any status: a case with no running target comes last.
                ("sla", _) => "sla".to_owned(),
                (_, "" | "open") => "deadline".to_owned(),
                _ => "activity".to_owned(),
            },
            cursor: form.get("cursor").map(str::to_owned),
            assignee: match form.text("assignee") {
                value @ ("me" | "none" | "team") => value.to_owned(),
                _ => String::new(),
            },
        }
    }

    /// The same filters for another "whose cases" tab (`""`, `me`, `none`, `team`).
    pub fn tab_href(&self, base: &str, assignee: &str) -> String {
        let query = InboxQuery {
            assignee: assignee.to_owned(),
            cursor: None,
            ..self.clone()
        }
        .to_query();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
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
        push("assignee", &self.assignee);
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
    /// What the bulk bar offers: people, teams and macros.
    bulk: super::bulk::BulkBar,
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
    filter.assignee = match (query.assignee.as_str(), principal) {
        ("me", Principal::Staff { user_id, .. }) => Some(AssigneeFilter::Mine(user_id.clone())),
        ("none", _) => Some(AssigneeFilter::Unassigned),
        ("team", _) => Some(AssigneeFilter::Teams(
            state
                .app()
                .my_teams(principal)
                .await
                .map_err(crate::problem::Problem::from)?,
        )),
        _ => None,
    };
    filter.sort = match query.sort.as_str() {
        "activity" => CaseSort::LastActivity,
        "sla" => CaseSort::SlaDue,
        _ => CaseSort::Deadline,
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
    let (people, teams) = if cases
        .iter()
        .any(|c| c.assignee_id.is_some() || c.team_id.is_some())
    {
        (
            state.store().users(principal.operator_id(), None).await?,
            state.store().all_teams(principal.operator_id()).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let assignee_of = |c: &amiable_store::CaseSummary| {
        let person = c.assignee_id.as_ref().map(|id| {
            people
                .iter()
                .find(|u| u.id == *id)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| id.clone())
        });
        let team = c.team_id.as_ref().map(|id| {
            teams
                .iter()
                .find(|t| t.id == *id)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| id.clone())
        });
        match (person, team) {
            (Some(person), Some(team)) => Some(format!("{person} · {team}")),
            (person, team) => person.or(team),
        }
    };
    let mut sla = crate::web::sla::inbox_badges(state, ui, principal, &cases).await?;
    let rows = cases
        .into_iter()
        .map(|c| InboxRow {
            sla: sla.remove(&c.case_id).unwrap_or_default(),
            case_id: c.case_id.to_string(),
            assignee: assignee_of(&c),
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
            claimed: c.amount_minor.map(|m| ui.minor(m, &c.currency)),
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
pub(super) async fn inbox(
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
    let bulk = super::bulk::BulkBar::for_principal(&state, &ui, &principal).await?;
    let page = InboxPage {
        bulk,
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
pub(super) async fn save_view(
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

pub(super) async fn delete_view(
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
