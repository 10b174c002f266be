//! « Réponses types »: the canned replies of the reader's shop (or of the
//! marketplace), in French and English, with their variables. Administrators
//! create, change and delete them; everyone reads them.

use super::staff;
use crate::AppState;
use crate::problem::Problem;
use crate::web::form::{Errors, Form, FormBody};
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError, redirect};
use amiable_app::helpdesk::macros::{MacroInput, MacroView};
use amiable_domain::access::{Action, Principal};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

/// One macro's form (or the new one's), with what to show in its fields.
struct MacroForm {
    /// `new`, or the macro's id: the prefix of the fields' ids.
    id: String,
    action: String,
    /// The title to show in the list (the page's language first).
    title: String,
    /// (field, label key, value, error, is the text) of the four fields.
    fields: Vec<(&'static str, &'static str, String, Option<String>, bool)>,
    /// The refusal's summary: (field, message).
    summary: Vec<(Option<String>, String)>,
    open: bool,
    /// The macro was written by amiable (a default).
    default: bool,
}

#[derive(Template)]
#[template(path = "console/macros.html")]
struct MacrosPage {
    ui: Ui,
    new: MacroForm,
    macros: Vec<MacroForm>,
    may_manage: bool,
    /// The variables, as written in the page's language.
    variables: Vec<(String, String)>,
}

const FIELDS: [(&str, &str, bool); 4] = [
    ("title_fr", "macros-title-fr", false),
    ("body_fr", "macros-body-fr", true),
    ("title_en", "macros-title-en", false),
    ("body_en", "macros-body-en", true),
];

fn macro_form(
    ui: &Ui,
    id: &str,
    item: Option<&MacroView>,
    failed: &str,
    form: &Form,
    errors: &Errors,
) -> MacroForm {
    let refused = failed == id;
    let fields = FIELDS
        .iter()
        .map(|(field, label, text)| {
            let stored = match (item, *field) {
                (Some(m), "title_fr") => m.title_fr.clone(),
                (Some(m), "title_en") => m.title_en.clone(),
                (Some(m), "body_fr") => m.body_fr.clone(),
                (Some(m), "body_en") => m.body_en.clone(),
                _ => String::new(),
            };
            let value = if refused {
                form.text(field).to_owned()
            } else {
                stored
            };
            let error = refused
                .then(|| errors.of(field).map(str::to_owned))
                .flatten();
            (*field, *label, value, error, *text)
        })
        .collect();
    MacroForm {
        id: id.to_owned(),
        action: match item {
            Some(m) => format!("/console/macros/{}", m.id),
            None => "/console/macros".to_owned(),
        },
        title: item
            .map(|m| m.title(ui.lang).to_owned())
            .unwrap_or_default(),
        fields,
        summary: if refused { errors.all() } else { Vec::new() },
        open: refused,
        default: item.is_some_and(|m| m.updated_by == "amiable"),
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
    let macros = state
        .app()
        .macros(principal, None)
        .await
        .map_err(Problem::from)?;
    let may_manage = amiable_app::access::may(
        principal,
        Action::ManageMacros,
        &amiable_app::access::own_scope(principal),
    );
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let ui = ctx.ui();
    // Each variable as written in French and in English, and what it stands for.
    let variables = [
        ("client", "client", ui.t("macros-variable-client")),
        ("commande", "order", ui.t("macros-variable-order")),
        ("dossier", "case", ui.t("macros-variable-case")),
        ("boutique", "shop", ui.t("macros-variable-shop")),
        ("agent", "agent", ui.t("macros-variable-agent")),
        ("echeance", "due", ui.t("macros-variable-due")),
    ]
    .into_iter()
    .map(|(fr, en, what)| {
        let names = if fr == en {
            format!("{{{fr}}}")
        } else {
            format!("{{{fr}}} / {{{en}}}")
        };
        (names, what)
    })
    .collect();
    Ok(ctx.render_status(
        status,
        &MacrosPage {
            new: macro_form(&ui, "new", None, failed, &form, &errors),
            macros: macros
                .iter()
                .map(|m| macro_form(&ui, &m.id, Some(m), failed, &form, &errors))
                .collect(),
            may_manage,
            variables,
            ui,
        },
    ))
}

/// `GET /console/macros`.
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

fn input_of(form: &Form) -> MacroInput {
    MacroInput {
        title_fr: form.text("title_fr").to_owned(),
        title_en: form.text("title_en").to_owned(),
        body_fr: form.text("body_fr").to_owned(),
        body_en: form.text("body_en").to_owned(),
    }
}

/// The page again with a refusal beside the fields of the form `failed`, or the page
/// an error calls for (403, 404…).
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
        ["title_fr", "title_en", "body_fr", "body_en"]
            .contains(&path)
            .then(|| path.to_owned())
    });
    render(state, ctx, principal, failed, form, errors).await
}

/// `POST /console/macros`: a new macro.
pub(super) async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    match state
        .app()
        .create_macro(&principal, None, &input_of(&form))
        .await
    {
        Ok(_) => Ok(redirect("/console/macros?fait=macro-saved")),
        Err(error) => refused(&state, &ctx, &principal, "new", form, error).await,
    }
}

/// `POST /console/macros/{macro_id}`: its new words.
pub(super) async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(macro_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    match state
        .app()
        .update_macro(&principal, &macro_id, &input_of(&form))
        .await
    {
        Ok(_) => Ok(redirect("/console/macros?fait=macro-saved")),
        Err(error) => refused(&state, &ctx, &principal, &macro_id, form, error).await,
    }
}

/// `POST /console/macros/{macro_id}/delete`.
pub(super) async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(macro_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    state
        .app()
        .delete_macro(&principal, &macro_id)
        .await
        .map_err(Problem::from)?;
    Ok(redirect("/console/macros?fait=macro-deleted"))
}
