//! The inbox's bulk bar: the cases ticked, and one action for all of them —
//! assign, answer with a macro, close — each case its own command. Without
//! JavaScript it is a plain form; the answer lists what happened to each case.

use super::staff;
use crate::AppState;
use crate::problem::Problem;
use crate::web::form::FormBody;
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError};
use amiable_app::helpdesk::AssignTarget;
use amiable_app::helpdesk::bulk::BulkAction;
use amiable_domain::access::Principal;
use amiable_domain::ids::CaseId;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// What the bulk bar offers the signed-in person.
#[derive(Debug, Clone, Default)]
pub struct BulkBar {
    /// (value, label) of each "assign to" choice: `me`, `nobody`, `user:<id>`,
    /// `team:<id>` (round-robin), `queue:<id>`.
    pub assign: Vec<(String, String)>,
    /// (id, title) of each macro.
    pub macros: Vec<(String, String)>,
}

/// The "assign to" choices for the owner's people and teams (their shop's, or the
/// marketplace's): the value names who, the label says it in the page's language.
pub fn assign_choices(
    ui: &Ui,
    me: bool,
    people: &[amiable_app::helpdesk::Member],
    teams: &[amiable_app::helpdesk::TeamView],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if me {
        out.push(("me".to_owned(), ui.t("assign-me")));
    }
    for p in people {
        out.push((format!("user:{}", p.user_id), p.name.clone()));
    }
    for t in teams {
        out.push((
            format!("team:{}", t.id),
            ui.ta("assign-team-next", "team", &t.name),
        ));
        out.push((
            format!("queue:{}", t.id),
            ui.ta("assign-team-queue", "team", &t.name),
        ));
    }
    out.push(("nobody".to_owned(), ui.t("assign-nobody")));
    out
}

/// Reads an "assign to" choice.
pub fn parse_target(value: &str) -> Option<AssignTarget> {
    let (kind, id) = value.split_once(':').unwrap_or((value, ""));
    let id = id.to_owned();
    match (kind, id.is_empty()) {
        ("me", true) => Some(AssignTarget::Me),
        ("nobody", true) => Some(AssignTarget::Nobody),
        ("user", false) => Some(AssignTarget::User {
            user_id: id,
            team_id: None,
        }),
        ("team", false) => Some(AssignTarget::Team { team_id: id }),
        ("queue", false) => Some(AssignTarget::Queue { team_id: id }),
        _ => None,
    }
}

impl BulkBar {
    pub async fn for_principal(
        state: &AppState,
        ui: &Ui,
        principal: &Principal,
    ) -> Result<BulkBar, WebError> {
        let app = state.app();
        let people = app
            .team_candidates(principal, None)
            .await
            .map_err(Problem::from)?;
        let teams = app.teams(principal, None).await.map_err(Problem::from)?;
        let macros = app
            .macros(principal, None)
            .await
            .map_err(Problem::from)?
            .into_iter()
            .map(|m| (m.id.clone(), m.title(ui.lang).to_owned()))
            .collect();
        Ok(BulkBar {
            assign: assign_choices(
                ui,
                matches!(principal, Principal::Staff { .. }),
                &people,
                &teams,
            ),
            macros,
        })
    }
}

/// One case's line of the result.
struct Line {
    href: String,
    number: String,
    ok: bool,
    message: String,
}

#[derive(Template)]
#[template(path = "console/bulk.html")]
struct BulkPage {
    ui: Ui,
    lines: Vec<Line>,
    /// A refusal of the whole list (nothing was done).
    refused: Option<String>,
    done: usize,
    back: String,
}

/// `POST /console/bulk`: the ticked cases (`case`), the action (`do`: `assign`,
/// `reply`, `close`) and its choice (`assignee`, `macro`).
pub(super) async fn bulk(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let back = {
        let query = super::InboxQuery::parse(Some(form.text("back"))).to_query();
        if query.is_empty() {
            "/console".to_owned()
        } else {
            format!("/console?{query}")
        }
    };
    let ids: Vec<CaseId> = form
        .all("case")
        .filter_map(|id| CaseId::parse(id.trim()).ok())
        .collect();
    let action = match form.text("do") {
        "assign" => parse_target(form.text("assignee")).map(BulkAction::Assign),
        "reply" if !form.text("macro").is_empty() => Some(BulkAction::ReplyWithMacro {
            macro_id: form.text("macro").to_owned(),
        }),
        "close" => Some(BulkAction::Close),
        _ => None,
    };
    let page = |lines, refused, done| BulkPage {
        ui: ui.clone(),
        lines,
        refused,
        done,
        back: back.clone(),
    };
    let Some(action) = action else {
        let key = match form.text("do") {
            "reply" => "bulk-choose-macro",
            "assign" => "bulk-choose-assignee",
            _ => "bulk-choose-action",
        };
        return Ok(ctx.render(&page(Vec::new(), Some(ui.t(key)), 0)));
    };
    let outcomes = match state.app().bulk(&principal, &ids, &action).await {
        Ok(outcomes) => outcomes,
        Err(error) if error.kind != amiable_app::Kind::Internal => {
            let problem = Problem::from(error);
            let mut text = problem.text(ui.lang);
            if let Some(field) = problem.errors.first()
                && problem.code == "validation.failed"
            {
                text = field.text(ui.lang);
            }
            return Ok(ctx.render(&page(Vec::new(), Some(text), 0)));
        }
        Err(error) => return Err(Problem::from(error).into()),
    };
    let mut lines = Vec::with_capacity(outcomes.len());
    let mut done = 0;
    for outcome in outcomes {
        let number = match state.store().case(outcome.case_id).await {
            // Out of reach: the case is named by its number only.
            Ok(Some(record)) if !matches!(&outcome.result, Err(e) if e.kind == amiable_app::Kind::NotFound) => {
                record.order_external_id
            }
            _ => outcome.case_id.short(),
        };
        let (ok, message) = match outcome.result {
            Ok(_) => {
                done += 1;
                (true, ui.t("bulk-done-one"))
            }
            Err(error) => (false, Problem::from(error).text(ui.lang)),
        };
        lines.push(Line {
            href: format!("/console/cases/{}", outcome.case_id),
            number,
            ok,
            message,
        });
    }
    Ok(ctx.render(&page(lines, None, done)))
}
