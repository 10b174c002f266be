//! Who else has a case open: the case page sends a heartbeat every 5 seconds
//! (htmx; `typing` when the reply had input in the last seconds) and shows
//! « Hugo est en train d’écrire une réponse » or « Hugo consulte aussi ce
//! dossier » in its place. Without JavaScript, the page shows who was there when
//! it was loaded.

use super::{parse_case, staff};
use crate::AppState;
use crate::problem::Problem;
use crate::web::form::FormBody;
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError};
use amiable_app::helpdesk::presence::Present;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

/// The notes about the others on a case, as the page shows them.
#[derive(Template)]
#[template(path = "console/presence.html")]
pub struct PresenceNotes {
    pub ui: Ui,
    pub others: Vec<Present>,
}

/// `POST /console/cases/{case_id}/presence`: a heartbeat; answers the notes.
pub(super) async fn heartbeat(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let case_id = parse_case(&case_id)?;
    let others = state
        .app()
        .heartbeat(&principal, case_id, form.checked("typing"))
        .await
        .map_err(Problem::from)?;
    Ok(ctx.render(&PresenceNotes {
        ui: ctx.ui(),
        others,
    }))
}
