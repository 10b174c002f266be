//! The staff console, `/console`: sign-in, the inbox (filters, search, saved
//! views, deadlines as countdowns, keyboard navigation) and the case view with
//! the actions the decider allows the signed-in person, each a form with its
//! own route and handler that calls the same use cases as the JSON API.
//!
//! Merchant staff see their shop's cases; operator staff see every shop's,
//! with a shop filter, and step into any case (mediation, decision).
//!
//! | module | pages |
//! |---|---|
//! | `login` | sign-in and sign-out |
//! | `inbox` | the inbox, its filters and saved views |
//! | `case` | the case page, its files, label and dossier (PDF) |
//! | `disputes` | the case page's incident, mediation and approval panels |
//! | `actions` | one handler per form of the case page (`/do/<action>`) |
//! | `bulk` | the inbox's bulk bar: assign, answer with a macro, close |
//! | `presence` | the case page's heartbeat: who else has it open, who is writing |
//! | `macros` | the canned replies (« Réponses types ») |
//! | `teams` | the helpdesk's teams (« Équipes ») |

mod actions;
mod bulk;
mod case;
mod disputes;
mod inbox;
mod login;
mod macros;
mod presence;
mod teams;

pub use inbox::{INBOX_PAGE, InboxQuery, InboxRow, inbox_rows, reason_options};

use super::ui::encode;
use super::{Ctx, WebError};
use crate::AppState;
use amiable_domain::access::Principal;
use amiable_domain::ids::CaseId;
use amiable_store::User;
use axum::Router;
use axum::routing::{get, post};

pub fn routes(upload_limit: usize) -> Router<AppState> {
    let actions = Router::new()
        .route(
            "/console/cases/{case_id}/do/message",
            post(actions::message),
        )
        .route("/console/cases/{case_id}/do/note", post(actions::note))
        .route("/console/cases/{case_id}/do/offer", post(actions::offer))
        .route(
            "/console/cases/{case_id}/do/resolve",
            post(actions::resolve),
        )
        .route("/console/cases/{case_id}/do/accept", post(actions::accept))
        .route(
            "/console/cases/{case_id}/do/decline",
            post(actions::decline),
        )
        .route(
            "/console/cases/{case_id}/do/escalate",
            post(actions::escalate),
        )
        .route(
            "/console/cases/{case_id}/do/decision",
            post(actions::decision),
        )
        .route("/console/cases/{case_id}/do/reopen", post(actions::reopen))
        .route("/console/cases/{case_id}/do/close", post(actions::close))
        .route("/console/cases/{case_id}/do/cancel", post(actions::cancel))
        .route(
            "/console/cases/{case_id}/do/authorise",
            post(actions::authorise),
        )
        .route("/console/cases/{case_id}/do/refuse", post(actions::refuse))
        .route("/console/cases/{case_id}/do/label", post(actions::label))
        .route("/console/cases/{case_id}/do/scan", post(actions::scan))
        .route(
            "/console/cases/{case_id}/do/receive",
            post(actions::receive),
        )
        .route(
            "/console/cases/{case_id}/do/inspect",
            post(actions::inspect),
        )
        .route("/console/cases/{case_id}/do/refund", post(actions::refund))
        .route("/console/cases/{case_id}/do/settle", post(actions::settle))
        .route("/console/cases/{case_id}/do/fail", post(actions::fail))
        .route(
            "/console/cases/{case_id}/do/store-credit",
            post(actions::store_credit),
        )
        .route(
            "/console/cases/{case_id}/do/exchange",
            post(actions::exchange),
        )
        .route(
            "/console/cases/{case_id}/do/compensate",
            post(actions::compensate),
        )
        .route(
            "/console/cases/{case_id}/do/approve-gesture",
            post(actions::approve_gesture),
        )
        .route(
            "/console/cases/{case_id}/do/decline-gesture",
            post(actions::decline_gesture),
        )
        .route(
            "/console/cases/{case_id}/do/responsibility",
            post(actions::responsibility),
        )
        .route(
            "/console/cases/{case_id}/do/carrier-claim",
            post(actions::carrier_claim),
        )
        .route(
            "/console/cases/{case_id}/do/claim-outcome",
            post(actions::claim_outcome),
        )
        .route("/console/cases/{case_id}/do/reship", post(actions::reship))
        .route(
            "/console/cases/{case_id}/do/reship-scan",
            post(actions::reship_scan),
        )
        .route(
            "/console/cases/{case_id}/do/private-message",
            post(actions::private_message),
        )
        .route(
            "/console/cases/{case_id}/do/request-information",
            post(actions::request_information),
        )
        .route("/console/cases/{case_id}/do/appeal", post(actions::appeal))
        .route(
            "/console/cases/{case_id}/do/decide-appeal",
            post(actions::decide_appeal),
        )
        .route(
            "/console/cases/{case_id}/do/consumer-mediation",
            post(actions::consumer_mediation),
        )
        .route("/console/cases/{case_id}/do/assign", post(actions::assign))
        // Messages and notes carry files.
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    Router::new()
        .route("/console", get(inbox::inbox))
        .route("/console/login", get(login::login_page).post(login::login))
        .route("/console/logout", post(login::logout))
        .route("/console/views", post(inbox::save_view))
        .route("/console/views/{view_id}/delete", post(inbox::delete_view))
        .route("/console/cases/{case_id}", get(case::case_page))
        .route("/console/cases/{case_id}/files/{sha256}", get(case::file))
        .route("/console/cases/{case_id}/label", get(case::label))
        .route("/console/cases/{case_id}/dossier.pdf", get(case::dossier))
        .route(
            "/console/cases/{case_id}/presence",
            post(presence::heartbeat),
        )
        .route("/console/bulk", post(bulk::bulk))
        .route("/console/macros", get(macros::page).post(macros::create))
        .route("/console/macros/{macro_id}", post(macros::update))
        .route("/console/macros/{macro_id}/delete", post(macros::delete))
        .route("/console/teams", get(teams::page).post(teams::create))
        .route("/console/teams/{team_id}", post(teams::update))
        .route("/console/teams/{team_id}/delete", post(teams::delete))
        .merge(actions)
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

fn parse_case(raw: &str) -> Result<CaseId, WebError> {
    CaseId::parse(raw).map_err(|_| WebError::not_found())
}
