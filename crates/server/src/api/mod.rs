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
pub mod disputes;
pub mod feedback;
pub mod helpdesk;
pub mod notifications;
pub mod orders;
pub mod returns;
pub mod settings;
pub mod sla;

use crate::AppState;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// One operation of the API: its method and path (under `/api/v1`), its
/// operation id, and the action it performs (`None`: it needs no
/// authentication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    pub action: Option<Action>,
}

/// Who may call each operation, by operation id: the action it performs, or
/// `None` for the few that need no authentication. An operation's method and
/// path are written once, in its handler's `#[utoipa::path]`; [`routes`] lists
/// the handlers. Tests check that every operation has its entry here (and its
/// row in the authorisation matrix), so none can skip the access policy.
pub const ACTIONS: &[(&str, Option<Action>)] = &[
    ("login", None),
    ("logout", None),
    ("me", None),
    ("buyer_access", None),
    ("openapi_document", None),
    ("merchants", Some(Action::ListMerchants)),
    ("get_marketplace_sla", Some(Action::ReadSettings)),
    ("put_marketplace_sla", Some(Action::ManageSettings)),
    ("get_merchant_sla", Some(Action::ReadSettings)),
    ("put_merchant_sla", Some(Action::ManageSettings)),
    ("get_automation_rules", Some(Action::ReadSettings)),
    ("put_automation_rules", Some(Action::ManageSettings)),
    ("get_quality_settings", Some(Action::ReadSettings)),
    ("put_quality_settings", Some(Action::ManageSettings)),
    ("get_merchant_quality", Some(Action::ReadSettings)),
    ("evaluate_merchant_quality", Some(Action::ReadSettings)),
    ("get_case_sla", Some(Action::ReadInternal)),
    ("list_users", Some(Action::ManageUsers)),
    ("create_user", Some(Action::ManageUsers)),
    ("list_api_keys", Some(Action::ManageApiKeys)),
    ("create_api_key", Some(Action::ManageApiKeys)),
    ("revoke_api_key", Some(Action::ManageApiKeys)),
    ("upsert_order", Some(Action::WriteOrders)),
    ("list_orders", Some(Action::ListOrders)),
    ("upsert_orders", Some(Action::WriteOrders)),
    ("get_order", Some(Action::ReadOrder)),
    ("create_buyer_link", Some(Action::CreateBuyerLink)),
    ("open_case", Some(Action::OpenCase)),
    ("list_cases", Some(Action::ListCases)),
    ("get_case", Some(Action::ReadCase)),
    ("post_message", Some(Action::PostMessage)),
    ("add_note", Some(Action::AddNote)),
    ("upload_attachment", Some(Action::AttachFile)),
    ("download_attachment", Some(Action::ReadCase)),
    ("propose_offer", Some(Action::ProposeOffer)),
    ("accept_offer", Some(Action::AnswerOffer)),
    ("decline_offer", Some(Action::AnswerOffer)),
    ("escalate_case", Some(Action::Escalate)),
    ("record_decision", Some(Action::RecordDecision)),
    ("resolve_case", Some(Action::Resolve)),
    ("reopen_case", Some(Action::Reopen)),
    ("close_case", Some(Action::Close)),
    ("cancel_case", Some(Action::Cancel)),
    ("get_return_policy", Some(Action::ReadPolicy)),
    ("publish_return_policy", Some(Action::ManagePolicy)),
    ("get_minimum_policy", Some(Action::ReadPolicy)),
    ("publish_minimum_policy", Some(Action::ManagePolicy)),
    ("get_merchant_settings", Some(Action::ReadSettings)),
    ("put_merchant_settings", Some(Action::ManageSettings)),
    ("get_operator_settings", Some(Action::ReadSettings)),
    ("put_operator_settings", Some(Action::ManageSettings)),
    ("order_eligibility", Some(Action::ReadOrder)),
    ("order_ledger", Some(Action::ReadOrder)),
    ("authorise_return", Some(Action::HandleReturn)),
    ("refuse_return", Some(Action::HandleReturn)),
    ("issue_label", Some(Action::HandleReturn)),
    ("download_label", Some(Action::ReadCase)),
    ("record_parcel_scan", Some(Action::HandleReturn)),
    ("receive_return", Some(Action::HandleReturn)),
    ("declare_shipment", Some(Action::ShipReturn)),
    ("inspect_return", Some(Action::HandleReturn)),
    ("refund", Some(Action::MoveMoney)),
    ("settle_refund", Some(Action::MoveMoney)),
    ("fail_refund", Some(Action::MoveMoney)),
    ("issue_store_credit", Some(Action::MoveMoney)),
    ("record_exchange", Some(Action::MoveMoney)),
    ("compensate", Some(Action::MoveMoney)),
    ("list_deliveries", Some(Action::ReadSettings)),
    ("resend_delivery", Some(Action::ManageSettings)),
    ("webhook_event_types", None),
    ("list_webhooks", Some(Action::ReadSettings)),
    ("create_webhook", Some(Action::ManageSettings)),
    ("update_webhook", Some(Action::ManageSettings)),
    ("webhook_deliveries", Some(Action::ReadSettings)),
    ("replay_webhooks", Some(Action::ManageSettings)),
    ("receive_mail", Some(Action::ManageSettings)),
    ("get_notification_preferences", None),
    ("set_notification_preferences", None),
    ("get_feedback", Some(Action::ReadCase)),
    ("give_feedback", Some(Action::ReadCase)),
    ("determine_responsibility", Some(Action::HandleIncident)),
    ("set_delivery_deadline", Some(Action::ChaseDelivery)),
    ("cancel_late_order", Some(Action::ChaseDelivery)),
    ("file_carrier_claim", Some(Action::HandleIncident)),
    ("record_claim_outcome", Some(Action::HandleIncident)),
    ("reship", Some(Action::HandleIncident)),
    ("record_reshipment_scan", Some(Action::HandleIncident)),
    ("post_private_message", Some(Action::PostPrivateMessage)),
    ("request_information", Some(Action::Mediate)),
    ("appeal_decision", Some(Action::Appeal)),
    ("decide_appeal", Some(Action::Mediate)),
    ("offer_consumer_mediation", Some(Action::Mediate)),
    ("answer_gesture", Some(Action::ApproveGoodwill)),
    ("download_dossier", Some(Action::ReadCase)),
    ("assign_case", Some(Action::AssignCase)),
    ("bulk_cases", Some(Action::AssignCase)),
    ("case_presence", Some(Action::ReadInternal)),
    ("list_teams", Some(Action::ReadSettings)),
    ("create_team", Some(Action::ManageTeams)),
    ("update_team", Some(Action::ManageTeams)),
    ("delete_team", Some(Action::ManageTeams)),
    ("list_macros", Some(Action::ReadSettings)),
    ("create_macro", Some(Action::ManageMacros)),
    ("update_macro", Some(Action::ManageMacros)),
    ("delete_macro", Some(Action::ManageMacros)),
    ("preview_macro", Some(Action::ReadSettings)),
];

/// The handlers of the API, each at the method and path of its `#[utoipa::path]`:
/// the router and the OpenAPI document come from this one list.
pub fn routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    use cases as c;
    // Uploads may be larger than a JSON body.
    let (schemas, paths, upload) = routes!(attachments::upload);
    let upload = upload.layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    let (mail_schemas, mail_paths, mail) = routes!(notifications::receive_mail);
    let mail = mail.layer(axum::extract::DefaultBodyLimit::max(
        amiable_app::notifications::inbound::MAX_INBOUND_BYTES,
    ));
    OpenApiRouter::new()
        .routes(routes!(access::login))
        .routes(routes!(access::logout))
        .routes(routes!(access::me))
        .routes(routes!(access::buyer_access))
        .routes(routes!(crate::openapi::document))
        .routes(routes!(access::merchants))
        .routes(routes!(access::list_users, access::create_user))
        .routes(routes!(access::list_api_keys, access::create_api_key))
        .routes(routes!(access::revoke_api_key))
        .routes(routes!(orders::upsert, orders::list))
        .routes(routes!(orders::bulk))
        .routes(routes!(orders::get))
        .routes(routes!(orders::buyer_link))
        .routes(routes!(c::open, c::list))
        .routes(routes!(c::get))
        .routes(routes!(feedback::get_feedback, feedback::give_feedback))
        .routes(routes!(
            notifications::get_notification_preferences,
            notifications::set_notification_preferences
        ))
        .routes(routes!(c::post_message))
        .routes(routes!(c::add_note))
        .routes((schemas, paths, upload))
        .routes(routes!(attachments::download))
        .routes(routes!(c::propose_offer))
        .routes(routes!(c::accept_offer))
        .routes(routes!(c::decline_offer))
        .routes(routes!(c::escalate))
        .routes(routes!(c::record_decision))
        .routes(routes!(c::resolve))
        .routes(routes!(c::reopen))
        .routes(routes!(c::close))
        .routes(routes!(c::cancel))
        .routes(routes!(returns::get_policy, returns::put_policy))
        .routes(routes!(returns::get_minimum, returns::put_minimum))
        .routes(routes!(settings::get_merchant, settings::put_merchant))
        .routes(routes!(settings::get_operator, settings::put_operator))
        .routes(routes!(sla::get_marketplace, sla::put_marketplace))
        .routes(routes!(sla::get_merchant, sla::put_merchant))
        .routes(routes!(sla::get_rules, sla::put_rules))
        .routes(routes!(
            sla::get_quality_settings,
            sla::put_quality_settings
        ))
        .routes(routes!(sla::get_quality))
        .routes(routes!(sla::evaluate_quality))
        .routes(routes!(sla::get_case))
        .routes(routes!(returns::eligibility))
        .routes(routes!(returns::ledger))
        .routes(routes!(returns::authorise))
        .routes(routes!(returns::refuse))
        .routes(routes!(returns::issue_label, returns::download_label))
        .routes(routes!(returns::scan))
        .routes(routes!(returns::declare_shipment))
        .routes(routes!(returns::receive))
        .routes(routes!(returns::inspect))
        .routes(routes!(returns::refund))
        .routes(routes!(returns::settle_refund))
        .routes(routes!(returns::fail_refund))
        .routes(routes!(returns::store_credit))
        .routes(routes!(returns::exchange))
        .routes(routes!(returns::compensation))
        .routes(routes!(notifications::list_deliveries))
        .routes(routes!(notifications::resend_delivery))
        .routes(routes!(notifications::webhook_event_types))
        .routes(routes!(
            notifications::list_webhooks,
            notifications::create_webhook
        ))
        .routes(routes!(notifications::update_webhook))
        .routes(routes!(notifications::webhook_deliveries))
        .routes(routes!(notifications::replay_webhooks))
        .routes((mail_schemas, mail_paths, mail))
        .routes(routes!(disputes::responsibility))
        .routes(routes!(disputes::delivery_deadline))
        .routes(routes!(disputes::cancel_late_order))
        .routes(routes!(disputes::carrier_claim))
        .routes(routes!(disputes::claim_outcome))
        .routes(routes!(disputes::reship))
        .routes(routes!(disputes::reshipment_scan))
        .routes(routes!(disputes::private_message))
        .routes(routes!(disputes::information_request))
        .routes(routes!(disputes::appeal))
        .routes(routes!(disputes::decide_appeal))
        .routes(routes!(disputes::consumer_mediation))
        .routes(routes!(disputes::answer_gesture))
        .routes(routes!(disputes::download_dossier))
        .routes(routes!(helpdesk::assign))
        .routes(routes!(helpdesk::bulk))
        .routes(routes!(helpdesk::presence))
        .routes(routes!(helpdesk::list_teams, helpdesk::create_team))
        .routes(routes!(helpdesk::update_team, helpdesk::delete_team))
        .routes(routes!(helpdesk::list_macros, helpdesk::create_macro))
        .routes(routes!(helpdesk::update_macro, helpdesk::delete_macro))
        .routes(routes!(helpdesk::preview_macro))
}

/// Every operation with its method, path and action, from the OpenAPI document
/// (where the paths are) and [`ACTIONS`] (where the actions are). An operation
/// without an entry in `ACTIONS` is listed with `action: None` and a `?` in its
/// id, which the tests refuse.
pub fn route_table() -> Vec<RouteSpec> {
    let document = crate::openapi::openapi();
    let mut table = Vec::new();
    for (path, item) in document.paths.paths.iter() {
        let methods = [
            ("GET", item.get.as_ref()),
            ("POST", item.post.as_ref()),
            ("PUT", item.put.as_ref()),
            ("DELETE", item.delete.as_ref()),
            ("PATCH", item.patch.as_ref()),
        ];
        for (method, operation) in methods {
            let Some(operation) = operation else { continue };
            let id = operation.operation_id.clone().unwrap_or_default();
            let known = ACTIONS.iter().find(|(known, _)| *known == id);
            table.push(RouteSpec {
                method: method.to_owned(),
                path: path
                    .strip_prefix(crate::openapi::API_PREFIX)
                    .unwrap_or(path)
                    .to_owned(),
                operation_id: if known.is_some() {
                    id
                } else {
                    format!("?{id}")
                },
                action: known.and_then(|(_, action)| *action),
            });
        }
    }
    table
}
