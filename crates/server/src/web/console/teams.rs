//! « Équipes »: the helpdesk's teams of the reader's shop (or of the
//! marketplace) — a name and members, who take cases in turn when a case is
//! given to the team. Administrators create, change and delete them.

use super::staff;
use crate::AppState;
use crate::problem::Problem;
use crate::web::form::{Errors, Form, FormBody};
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError, redirect};
use amiable_app::helpdesk::{Member, TeamInput, TeamView};
use amiable_domain::access::{Action, Principal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

/// One team's form (or the new one's).
struct TeamForm {
    /// `new`, or the team's id: the prefix of the fields' ids.
    id: String,
    action: String,
    name: String,
    /// (user id, name, ticked) of each person who may be a member.
    members: Vec<(String, String, bool)>,
    /// The members' names, in turn order (for reading).
    roster: Vec<String>,
    error_name: Option<String>,
    error_members: Option<String>,
    summary: Vec<(Option<String>, String)>,
    open: bool,
}

#[derive(Template)]
#[template(path = "console/teams.html")]
struct TeamsPage {
    ui: Ui,
    new: TeamForm,
    teams: Vec<TeamForm>,
    may_manage: bool,
}

fn team_form(
    id: &str,
    team: Option<&TeamView>,
    candidates: &[Member],
    failed: &str,
    form: &Form,
    errors: &Errors,
) -> TeamForm {
    let refused = failed == id;
    let ticked: Vec<String> = if refused {
        form.all("members").map(str::to_owned).collect()
    } else {
        team.map(|t| t.members.iter().map(|m| m.user_id.clone()).collect())
            .unwrap_or_default()
    };
    // The members first, in turn order, then the others.
    let mut members: Vec<(String, String, bool)> = ticked
        .iter()
        .filter_map(|id| {
            candidates
                .iter()
                .find(|c| c.user_id == *id)
                .map(|c| (c.user_id.clone(), c.name.clone(), true))
        })
        .collect();
    members.extend(
        candidates
            .iter()
            .filter(|c| !ticked.contains(&c.user_id))
            .map(|c| (c.user_id.clone(), c.name.clone(), false)),
    );
    let member_error = || {
        errors
            .all()
            .into_iter()
            .find(|(f, _)| f.as_deref().is_some_and(|f| f.starts_with("members")))
            .map(|(_, m)| m)
    };
    TeamForm {
        id: id.to_owned(),
        action: match team {
            Some(t) => format!("/console/teams/{}", t.id),
            None => "/console/teams".to_owned(),
        },
        name: if refused {
            form.text("name").to_owned()
        } else {
            team.map(|t| t.name.clone()).unwrap_or_default()
        },
        members,
        roster: team
            .map(|t| t.members.iter().map(|m| m.name.clone()).collect())
            .unwrap_or_default(),
        error_name: refused
            .then(|| errors.of("name").map(str::to_owned))
            .flatten(),
        error_members: refused.then(member_error).flatten(),
        summary: if refused { errors.all() } else { Vec::new() },
        open: refused,
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    failed: &str,
    form: Form,
    errors: Errors,
) -> Result<Response, WebError> {
    let app = state.app();
    let teams = app.teams(principal, None).await.map_err(Problem::from)?;
    let candidates = app
        .team_candidates(principal, None)
        .await
        .map_err(Problem::from)?;
    let may_manage = amiable_app::access::may(
        principal,
        Action::ManageTeams,
        &amiable_app::access::own_scope(principal),
    );
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(ctx.render_status(
        status,
        &TeamsPage {
            ui: ctx.ui(),
            new: team_form("new", None, &candidates, failed, &form, &errors),
            teams: teams
                .iter()
                .map(|t| team_form(&t.id, Some(t), &candidates, failed, &form, &errors))
                .collect(),
            may_manage,
        },
    ))
}

/// `GET /console/teams`.
pub(super) async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    render(
        &state,
        &ctx,
        &principal,
        "",
        Form::default(),
        Errors::default(),
    )
    .await
}

fn input_of(form: &Form) -> TeamInput {
    TeamInput {
        name: form.text("name").to_owned(),
        members: form.all("members").map(|m| m.trim().to_owned()).collect(),
    }
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    failed: &str,
    form: Form,
    error: amiable_app::Error,
) -> Result<Response, WebError> {
    let problem = Problem::from(error);
    if problem.status != 422 {
        return Err(problem.into());
    }
    let errors = Errors::from_problem(&problem, ctx.lang, |path| {
        if path == "name" {
            Some("name".to_owned())
        } else if path.starts_with("members") {
            Some(path.to_owned())
        } else {
            None
        }
    });
    render(state, ctx, principal, failed, form, errors).await
}

/// `POST /console/teams`: a new team.
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    match state
        .app()
        .create_team(&principal, None, &input_of(&form))
        .await
    {
        Ok(_) => Ok(redirect("/console/teams?fait=team-saved")),
        Err(error) => refused(&state, &ctx, &principal, "new", form, error).await,
    }
}

/// `POST /console/teams/{team_id}`: its new name and members.
pub(super) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(team_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    match state
        .app()
        .update_team(&principal, &team_id, &input_of(&form))
        .await
    {
        Ok(_) => Ok(redirect("/console/teams?fait=team-saved")),
        Err(error) => refused(&state, &ctx, &principal, &team_id, form, error).await,
    }
}

/// `POST /console/teams/{team_id}/delete`.
pub(super) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(team_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    state
        .app()
        .delete_team(&principal, &team_id)
        .await
        .map_err(Problem::from)?;
    Ok(redirect("/console/teams?fait=team-deleted"))
}
