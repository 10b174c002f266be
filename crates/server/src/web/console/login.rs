//! Signing in and out of the console.

use crate::AppState;
use crate::api::access::ClientIp;
use crate::web::form::{Errors, FormBody};
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError, local_path, redirect, set_cookie};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    ui: Ui,
    email: String,
    next: String,
    errors: Errors,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

pub(super) async fn login_page(
    ctx: Ctx,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
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
pub(super) async fn login(
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
            errors: errors.titled("login-errors-title"),
        },
    ))
}

pub(super) async fn logout(
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
