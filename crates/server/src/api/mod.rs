//! The JSON API under `/api/v1`.
//!
//! Every handler authenticates ([`Auth`]), names the action and the resource,
//! and asks [`allow`] — the one place that turns the domain's policy into
//! 403/404. Routes are listed once, in [`ROUTES`]; the authorisation matrix
//! test walks that table, so a route cannot be added without deciding who
//! may call it.

pub mod access;
pub mod attachments;
pub mod cases;
pub mod orders;
pub mod returns;

use crate::AppState;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource};
use axum::Router;
use axum::routing::{MethodRouter, get, post};

// Access is the use-case layer's: these answer `amiable_app::Error`, which becomes a
// problem document (404 out of reach, 403 for the role) through `?`.
pub use amiable_app::access::{allow, allow_referenced, allow_role, own_scope};

/// The scope a list is asked for: an order, a merchant, or the caller's whole reach.
pub async fn list_scope(
    state: &AppState,
    principal: &Principal,
    merchant_id: Option<amiable_domain::ids::MerchantId>,
    order_id: Option<amiable_domain::ids::OrderId>,
) -> Result<Resource, Problem> {
    Ok(state
        .app()
        .list_scope(principal, merchant_id, order_id)
        .await?)
}

/// One route of the API: method, path, and the action it performs
/// (`None` for routes that need no authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Option<Action>,
}

const fn route(method: &'static str, path: &'static str, action: Action) -> RouteSpec {
    RouteSpec {
        method,
        path,
        action: Some(action),
    }
}

const fn public(method: &'static str, path: &'static str) -> RouteSpec {
    RouteSpec {
        method,
        path,
        action: None,
    }
}

/// Every route under `/api/v1`. The router below is built from the same
/// handlers; `routes_match_the_table` checks the two agree.
pub const ROUTES: &[RouteSpec] = &[
    public("POST", "/auth/login"),
    public("POST", "/auth/logout"),
    public("GET", "/auth/me"),
    public("POST", "/buyer/access"),
    public("GET", "/openapi.json"),
    route("GET", "/merchants", Action::ListMerchants),
    route("GET", "/users", Action::ManageUsers),
    route("POST", "/users", Action::ManageUsers),
    route("GET", "/api-keys", Action::ManageApiKeys),
    route("POST", "/api-keys", Action::ManageApiKeys),
    route("POST", "/api-keys/{key_id}/revoke", Action::ManageApiKeys),
    route("POST", "/orders", Action::WriteOrders),
    route("GET", "/orders", Action::ListOrders),
    route("POST", "/orders/bulk", Action::WriteOrders),
    route("GET", "/orders/{order_id}", Action::ReadOrder),
    route(
        "POST",
        "/orders/{order_id}/buyer-link",
        Action::CreateBuyerLink,
    ),
    route("POST", "/cases", Action::OpenCase),
    route("GET", "/cases", Action::ListCases),
    route("GET", "/cases/{case_id}", Action::ReadCase),
    route("POST", "/cases/{case_id}/messages", Action::PostMessage),
    route("POST", "/cases/{case_id}/notes", Action::AddNote),
    route("POST", "/cases/{case_id}/attachments", Action::AttachFile),
    route(
        "GET",
        "/cases/{case_id}/attachments/{sha256}",
        Action::ReadCase,
    ),
    route("POST", "/cases/{case_id}/offers", Action::ProposeOffer),
    route(
        "POST",
        "/cases/{case_id}/offers/{offer_id}/accept",
        Action::AnswerOffer,
    ),
    route(
        "POST",
        "/cases/{case_id}/offers/{offer_id}/decline",
        Action::AnswerOffer,
    ),
    route("POST", "/cases/{case_id}/escalate", Action::Escalate),
    route("POST", "/cases/{case_id}/decision", Action::RecordDecision),
    route("POST", "/cases/{case_id}/resolve", Action::Resolve),
    route("POST", "/cases/{case_id}/reopen", Action::Reopen),
    route("POST", "/cases/{case_id}/close", Action::Close),
    route("POST", "/cases/{case_id}/cancel", Action::Cancel),
    route(
        "GET",
        "/merchants/{merchant_id}/return-policy",
        Action::ReadPolicy,
    ),
    route(
        "POST",
        "/merchants/{merchant_id}/return-policy",
        Action::ManagePolicy,
    ),
    route("GET", "/return-policy/minimum", Action::ReadPolicy),
    route("POST", "/return-policy/minimum", Action::ManagePolicy),
    route("GET", "/orders/{order_id}/eligibility", Action::ReadOrder),
    route("GET", "/orders/{order_id}/ledger", Action::ReadOrder),
    route(
        "POST",
        "/cases/{case_id}/return/authorise",
        Action::HandleReturn,
    ),
    route(
        "POST",
        "/cases/{case_id}/return/refuse",
        Action::HandleReturn,
    ),
    route(
        "POST",
        "/cases/{case_id}/return/label",
        Action::HandleReturn,
    ),
    route("GET", "/cases/{case_id}/return/label", Action::ReadCase),
    route(
        "POST",
        "/cases/{case_id}/return/tracking",
        Action::HandleReturn,
    ),
    route(
        "POST",
        "/cases/{case_id}/return/receive",
        Action::HandleReturn,
    ),
    route(
        "POST",
        "/cases/{case_id}/return/inspect",
        Action::HandleReturn,
    ),
    route("POST", "/cases/{case_id}/refunds", Action::MoveMoney),
    route(
        "POST",
        "/cases/{case_id}/refunds/{refund_id}/settle",
        Action::MoveMoney,
    ),
    route(
        "POST",
        "/cases/{case_id}/refunds/{refund_id}/fail",
        Action::MoveMoney,
    ),
    route("POST", "/cases/{case_id}/store-credit", Action::MoveMoney),
    route("POST", "/cases/{case_id}/exchange", Action::MoveMoney),
    route("POST", "/cases/{case_id}/compensation", Action::MoveMoney),
];

fn handler(method: &str, path: &str) -> MethodRouter<AppState> {
    use cases as c;
    match (method, path) {
        ("POST", "/auth/login") => post(access::login),
        ("POST", "/auth/logout") => post(access::logout),
        ("GET", "/auth/me") => get(access::me),
        ("POST", "/buyer/access") => post(access::buyer_access),
        ("GET", "/openapi.json") => get(crate::openapi::document),
        ("GET", "/merchants") => get(access::merchants),
        ("GET", "/users") => get(access::list_users),
        ("POST", "/users") => post(access::create_user),
        ("GET", "/api-keys") => get(access::list_api_keys),
        ("POST", "/api-keys") => post(access::create_api_key),
        ("POST", "/api-keys/{key_id}/revoke") => post(access::revoke_api_key),
        ("POST", "/orders") => post(orders::upsert),
        ("GET", "/orders") => get(orders::list),
        ("POST", "/orders/bulk") => post(orders::bulk),
        ("GET", "/orders/{order_id}") => get(orders::get),
        ("POST", "/orders/{order_id}/buyer-link") => post(orders::buyer_link),
        ("POST", "/cases") => post(c::open),
        ("GET", "/cases") => get(c::list),
        ("GET", "/cases/{case_id}") => get(c::get),
        ("POST", "/cases/{case_id}/messages") => post(c::post_message),
        ("POST", "/cases/{case_id}/notes") => post(c::add_note),
        ("POST", "/cases/{case_id}/attachments") => post(attachments::upload),
        ("GET", "/cases/{case_id}/attachments/{sha256}") => get(attachments::download),
        ("POST", "/cases/{case_id}/offers") => post(c::propose_offer),
        ("POST", "/cases/{case_id}/offers/{offer_id}/accept") => post(c::accept_offer),
        ("POST", "/cases/{case_id}/offers/{offer_id}/decline") => post(c::decline_offer),
        ("POST", "/cases/{case_id}/escalate") => post(c::escalate),
        ("POST", "/cases/{case_id}/decision") => post(c::record_decision),
        ("POST", "/cases/{case_id}/resolve") => post(c::resolve),
        ("POST", "/cases/{case_id}/reopen") => post(c::reopen),
        ("POST", "/cases/{case_id}/close") => post(c::close),
        ("POST", "/cases/{case_id}/cancel") => post(c::cancel),
        ("GET", "/merchants/{merchant_id}/return-policy") => get(returns::get_policy),
        ("POST", "/merchants/{merchant_id}/return-policy") => post(returns::put_policy),
        ("GET", "/return-policy/minimum") => get(returns::get_minimum),
        ("POST", "/return-policy/minimum") => post(returns::put_minimum),
        ("GET", "/orders/{order_id}/eligibility") => get(returns::eligibility),
        ("GET", "/orders/{order_id}/ledger") => get(returns::ledger),
        ("POST", "/cases/{case_id}/return/authorise") => post(returns::authorise),
        ("POST", "/cases/{case_id}/return/refuse") => post(returns::refuse),
        ("POST", "/cases/{case_id}/return/label") => post(returns::issue_label),
        ("GET", "/cases/{case_id}/return/label") => get(returns::download_label),
        ("POST", "/cases/{case_id}/return/tracking") => post(returns::scan),
        ("POST", "/cases/{case_id}/return/receive") => post(returns::receive),
        ("POST", "/cases/{case_id}/return/inspect") => post(returns::inspect),
        ("POST", "/cases/{case_id}/refunds") => post(returns::refund),
        ("POST", "/cases/{case_id}/refunds/{refund_id}/settle") => post(returns::settle_refund),
        ("POST", "/cases/{case_id}/refunds/{refund_id}/fail") => post(returns::fail_refund),
        ("POST", "/cases/{case_id}/store-credit") => post(returns::store_credit),
        ("POST", "/cases/{case_id}/exchange") => post(returns::exchange),
        ("POST", "/cases/{case_id}/compensation") => post(returns::compensation),
        (method, path) => unreachable!("route {method} {path} has no handler"),
    }
}

pub fn routes(upload_limit: usize) -> Router<AppState> {
    let mut router = Router::new();
    // Routes sharing a path are merged into one method router.
    let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
    paths.dedup();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        if !seen.insert(path) {
            continue;
        }
        let mut methods: Option<MethodRouter<AppState>> = None;
        for spec in ROUTES.iter().filter(|r| r.path == path) {
            let mut next = handler(spec.method, spec.path);
            if spec.action == Some(Action::AttachFile) {
                next = next.layer(axum::extract::DefaultBodyLimit::max(upload_limit));
            }
            methods = Some(match methods {
                Some(existing) => existing.merge(next),
                None => next,
            });
        }
        if let Some(methods) = methods {
            router = router.route(path, methods);
        }
    }
    router
}
