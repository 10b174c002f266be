//! The authorisation matrix: every route × every kind of caller × own and
//! foreign resource, through real HTTP, on SQLite and PostgreSQL.
//!
//! The expectations below are written by hand — they are the specification,
//! not a copy of the policy code. A route of the API (`amiable_server::api::route_table`)
//! that is missing here fails `every_route_is_in_the_matrix`, so a route
//! cannot be added without deciding who may call it.

mod common;

use amiable_domain::case::{
    Actor, AttachmentRef, CaseKind, Command, Resolution, ResolutionKind, ReturnLabel, Stage,
};
use amiable_domain::case::{
    ConversationCommand, EscalationCommand, IncidentCommand, LifecycleCommand, MediationCommand,
    MoneyCommand, ReturnCommand,
};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::{Body, Label};
use amiable_server::api::route_table;
use amiable_store::CommandRequest;
use common::{Who, World, png, worlds};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// Callers of the matrix, in column order.
const CALLERS: [&str; 7] = [
    "operator_admin",
    "mediator",
    "merchant_admin",
    "merchant_agent",
    "operator_api_key",
    "merchant_api_key",
    "buyer",
];

/// (method, path, a row in `CALLERS` order: `Y` allowed, `N` forbidden (403),
/// `-` out of reach even in the caller's own scope (404): an operator-level
/// resource a merchant's people or a buyer cannot see at all).
/// Public routes (no authentication) are listed with `PUBLIC`.
const PUBLIC: &str = "public";
const MATRIX: &[(&str, &str, &str)] = &[
    ("POST", "/auth/login", PUBLIC),
    ("POST", "/auth/logout", PUBLIC),
    ("GET", "/auth/me", PUBLIC),
    ("POST", "/buyer/access", PUBLIC),
    ("GET", "/openapi.json", PUBLIC),
    //                                                   oa med ma mag ok mk buyer
    ("GET", "/merchants", "YYYYYYN"),
    ("GET", "/users", "YNYNNNN"),
    ("POST", "/users", "YNYNNNN"),
    ("GET", "/api-keys", "YNYNNNN"),
    ("POST", "/api-keys", "YNYNNNN"),
    ("POST", "/api-keys/{key_id}/revoke", "YNYNNNN"),
    ("POST", "/orders", "YNYNYYN"),
    ("GET", "/orders", "YYYYYYN"),
    ("POST", "/orders/bulk", "YNYNYYN"),
    ("GET", "/orders/{order_id}", "YYYYYYY"),
    ("POST", "/orders/{order_id}/buyer-link", "YNYYYYN"),
    ("POST", "/cases", "YYYYYYY"),
    ("GET", "/cases", "YYYYYYY"),
    ("GET", "/cases/{case_id}", "YYYYYYY"),
    ("POST", "/cases/{case_id}/messages", "YYYYYYY"),
    ("POST", "/cases/{case_id}/notes", "YYYYYYN"),
    ("POST", "/cases/{case_id}/attachments", "YYYYYYY"),
    ("GET", "/cases/{case_id}/attachments/{sha256}", "YYYYYYY"),
    ("POST", "/cases/{case_id}/offers", "YYYYYYY"),
    (
        "POST",
        "/cases/{case_id}/offers/{offer_id}/accept",
        "NNYYNYY",
    ),
    (
        "POST",
        "/cases/{case_id}/offers/{offer_id}/decline",
        "NNYYNYY",
    ),
    ("POST", "/cases/{case_id}/escalate", "YYYYYYY"),
    ("POST", "/cases/{case_id}/decision", "YYNNYNN"),
    ("POST", "/cases/{case_id}/resolve", "YYYYYYY"),
    ("POST", "/cases/{case_id}/reopen", "YYYYYYY"),
    ("POST", "/cases/{case_id}/close", "YYYYYYN"),
    ("POST", "/cases/{case_id}/cancel", "YYYYYYY"),
    ("GET", "/merchants/{merchant_id}/return-policy", "YYYYYYN"),
    ("POST", "/merchants/{merchant_id}/return-policy", "YNYNYYN"),
    // The operator's minimum: beyond a merchant's reach, and a buyer's.
    ("GET", "/return-policy/minimum", "YY--Y--"),
    ("POST", "/return-policy/minimum", "YN--Y--"),
    ("GET", "/merchants/{merchant_id}/settings", "YYYYYYN"),
    ("PUT", "/merchants/{merchant_id}/settings", "YNYNYYN"),
    ("GET", "/settings", "YY--Y--"),
    ("PUT", "/settings", "YN--Y--"),
    // Service levels: the marketplace's own settings, rules and thresholds; each shop's
    // hours and policies (its administrators); its quality (its staff read it).
    ("GET", "/sla/settings", "YY--Y--"),
    ("PUT", "/sla/settings", "YN--Y--"),
    ("GET", "/merchants/{merchant_id}/sla/settings", "YYYYYYN"),
    ("PUT", "/merchants/{merchant_id}/sla/settings", "YNYNYYN"),
    ("GET", "/automation/rules", "YY--Y--"),
    ("PUT", "/automation/rules", "YN--Y--"),
    ("GET", "/quality/settings", "YY--Y--"),
    ("PUT", "/quality/settings", "YN--Y--"),
    ("GET", "/merchants/{merchant_id}/quality", "YYYYYYN"),
    (
        "POST",
        "/merchants/{merchant_id}/quality/evaluation",
        "YYYYYYN",
    ),
    ("GET", "/cases/{case_id}/sla", "YYYYYYN"),
    // Notifications: read by the staff in reach, managed by their administrators and keys.
    ("GET", "/deliveries", "YYYYYYN"),
    ("POST", "/deliveries/{delivery_id}/resend", "YNYNYYN"),
    ("GET", "/webhooks/event-types", PUBLIC),
    ("GET", "/webhooks", "YYYYYYN"),
    ("POST", "/webhooks", "YNYNYYN"),
    ("PATCH", "/webhooks/{endpoint_id}", "YNYNYYN"),
    ("GET", "/webhooks/{endpoint_id}/deliveries", "YYYYYYN"),
    ("POST", "/webhooks/{endpoint_id}/replay", "YNYNYYN"),
    // Inbound mail is the installation's: the marketplace's administrators and keys.
    ("POST", "/inbound/mail", "YN--Y--"),
    // One's own notification preferences, like /auth/me: about the caller, never another
    // (integrations have none: 403, tested in tests/notifications.rs).
    ("GET", "/notification-preferences", PUBLIC),
    ("PUT", "/notification-preferences", PUBLIC),
    // The satisfaction question: read by all who read the case, answered by its buyer.
    ("GET", "/cases/{case_id}/feedback", "YYYYYYY"),
    ("PUT", "/cases/{case_id}/feedback", "NNNNNNY"),
    ("GET", "/orders/{order_id}/eligibility", "YYYYYYY"),
    ("GET", "/orders/{order_id}/ledger", "YYYYYYY"),
    ("POST", "/cases/{case_id}/return/authorise", "YYYYYYN"),
    ("POST", "/cases/{case_id}/return/refuse", "YYYYYYN"),
    ("POST", "/cases/{case_id}/return/label", "YYYYYYN"),
    ("GET", "/cases/{case_id}/return/label", "YYYYYYY"),
    ("POST", "/cases/{case_id}/return/tracking", "YYYYYYN"),
    ("POST", "/cases/{case_id}/return/shipment", "YYYYYYY"),
    ("POST", "/cases/{case_id}/return/receive", "YYYYYYN"),
    ("POST", "/cases/{case_id}/return/inspect", "YYYYYYN"),
    ("POST", "/cases/{case_id}/refunds", "YNYYYYN"),
    (
        "POST",
        "/cases/{case_id}/refunds/{refund_id}/settle",
        "YNYYYYN",
    ),
    (
        "POST",
        "/cases/{case_id}/refunds/{refund_id}/fail",
        "YNYYYYN",
    ),
    ("POST", "/cases/{case_id}/store-credit", "YNYYYYN"),
    ("POST", "/cases/{case_id}/exchange", "YNYYYYN"),
    ("POST", "/cases/{case_id}/compensation", "YNYYYYN"),
    //                                                   oa med ma mag ok mk buyer
    ("POST", "/cases/{case_id}/responsibility", "YNYYYYN"),
    ("POST", "/cases/{case_id}/delivery-deadline", "NNNNNNY"),
    ("POST", "/cases/{case_id}/cancel-late-order", "NNNNNNY"),
    ("POST", "/cases/{case_id}/carrier-claim", "YNYYYYN"),
    ("POST", "/cases/{case_id}/carrier-claim/outcome", "YNYYYYN"),
    ("POST", "/cases/{case_id}/reshipments", "YNYYYYN"),
    ("POST", "/cases/{case_id}/reshipments/scan", "YNYYYYN"),
    ("POST", "/cases/{case_id}/private-messages", "YYYYYYY"),
    ("POST", "/cases/{case_id}/information-requests", "YYNNYNN"),
    ("POST", "/cases/{case_id}/appeal", "NNYYNYY"),
    ("POST", "/cases/{case_id}/appeal/decision", "YYNNYNN"),
    ("POST", "/cases/{case_id}/consumer-mediation", "YYNNYNN"),
    (
        "POST",
        "/cases/{case_id}/compensation/{approval_id}/answer",
        "YNYNYNN",
    ),
    ("GET", "/cases/{case_id}/dossier.pdf", "YYYYYYY"),
    // The helpdesk: every staff role and integration assigns, reads teams and macros and
    // says it has a case open; administrators (and integrations) manage teams and macros.
    //                                                   oa med ma mag ok mk buyer
    ("POST", "/cases/{case_id}/assignment", "YYYYYYN"),
    ("POST", "/cases/bulk", "YYYYYYN"),
    ("PUT", "/cases/{case_id}/presence", "YYYYYYN"),
    ("GET", "/teams", "YYYYYYN"),
    ("POST", "/teams", "YNYNYYN"),
    ("PUT", "/teams/{team_id}", "YNYNYYN"),
    ("DELETE", "/teams/{team_id}", "YNYNYYN"),
    ("GET", "/macros", "YYYYYYN"),
    ("POST", "/macros", "YNYNYYN"),
    ("PUT", "/macros/{macro_id}", "YNYNYYN"),
    ("DELETE", "/macros/{macro_id}", "YNYNYYN"),
    ("POST", "/macros/{macro_id}/preview", "YYYYYYN"),
];

/// What a cell expects of the caller's own resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    Forbidden,
    OutOfReach,
}

fn expect(row: &str, column: usize) -> Expect {
    match row.as_bytes()[column] {
        b'Y' => Expect::Allowed,
        b'N' => Expect::Forbidden,
        b'-' => Expect::OutOfReach,
        other => panic!("{row}: unknown cell {:?}", other as char),
    }
}

/// Routes that name no resource: there is no foreign variant to ask for;
/// instead the answer must not contain another tenant's data.
const NO_FOREIGN: &[&str] = &[
    "/merchants",
    "/users",
    "/api-keys",
    "/return-policy/minimum",
    "/settings",
    "/sla/settings",
    "/automation/rules",
    "/quality/settings",
    "/deliveries",
    "/webhooks",
    "/inbound/mail",
    // Each case of a bulk action answers for itself (a case out of reach: its own 404).
    "/cases/bulk",
];

#[test]
fn every_route_is_in_the_matrix() {
    let mut missing = Vec::new();
    let routes = route_table();
    for route in &routes {
        if !MATRIX
            .iter()
            .any(|(m, p, _)| *m == route.method && *p == route.path)
        {
            missing.push(format!("{} {}", route.method, route.path));
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the authorisation matrix: {missing:?}"
    );
    for (method, path, row) in MATRIX {
        let route = routes
            .iter()
            .find(|r| r.method == *method && r.path == *path)
            .unwrap_or_else(|| panic!("{method} {path} is in the matrix but not a route"));
        assert_eq!(
            route.action.is_none(),
            *row == PUBLIC,
            "{method} {path}: public in one place only"
        );
        assert!(*row == PUBLIC || row.len() == CALLERS.len());
        assert!(
            *row == PUBLIC || row.bytes().all(|c| matches!(c, b'Y' | b'N' | b'-')),
            "{method} {path}: cells are Y, N or -"
        );
    }
}

fn who(world: &World, label: &str, buyer_token: &str) -> Who {
    let _ = world;
    match label {
        "operator_admin" => Who::OperatorAdmin,
        "mediator" => Who::Mediator,
        "merchant_admin" => Who::MerchantAdmin,
        "merchant_agent" => Who::MerchantAgent,
        "operator_api_key" => Who::OperatorKey,
        "merchant_api_key" => Who::MerchantKey,
        "buyer" => Who::Buyer(buyer_token.to_owned()),
        other => unreachable!("{other}"),
    }
}

fn is_operator_side(label: &str) -> bool {
    matches!(label, "operator_admin" | "mediator" | "operator_api_key")
}

async fn run_as(world: &World, case_id: &str, actor: Actor, command: Command) {
    world
        .store
        .execute(CommandRequest {
            case_id: CaseId::parse(case_id).unwrap(),
            expected_version: None,
            command,
            actor,
            order_id: None,
            at: None,
        })
        .await
        .unwrap_or_else(|e| panic!("fixture command failed: {e:?}"));
}

fn label(text: &str) -> Label {
    Label::parse(text).unwrap()
}

/// How far a fixture return has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReturnAt {
    /// Opened: waiting for the merchant's answer.
    Requested,
    Authorised,
    /// Authorised, with its label (a stored PNG stands in for the PDF).
    Labelled,
    /// Authorised, and line 1 came back.
    Received,
    /// Authorised, with refund 1 recorded and waiting for the gateway.
    RefundPending,
    /// Authorised, and the buyer accepted store credit (a withdrawal is otherwise refunded).
    CreditAgreed,
    /// Authorised, and the buyer accepted an exchange.
    ExchangeAgreed,
}

/// Opens a return of line 1 on any order straight through the store (fixtures
/// of other tenants too) and takes it to `at`; returns the case id.
async fn return_case(world: &World, order_id: &str, at: ReturnAt) -> String {
    let case_id = CaseId::from_bytes(common::bytes());
    world
        .store
        .execute(CommandRequest {
            case_id,
            expected_version: Some(0),
            command: Command::Lifecycle(LifecycleCommand::Open {
                preferred: None,
                kind: CaseKind::Return,
                reason: ReasonCode::parse("changed_mind").unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                claimed: None,
                description: Body::parse("Trop petit.").unwrap(),
                stage: None,
            }),
            actor: Actor::OperatorUser {
                id: "fixture".into(),
            },
            order_id: Some(OrderId::parse(order_id).unwrap()),
            at: None,
        })
        .await
        .unwrap_or_else(|e| panic!("fixture return failed: {e:?}"));
    let case_id = case_id.to_string();
    if at == ReturnAt::Requested {
        return case_id;
    }
    let merchant = || Actor::MerchantUser { id: "m".into() };
    run_as(
        world,
        &case_id,
        merchant(),
        Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
    )
    .await;
    let next = match at {
        ReturnAt::Requested | ReturnAt::Authorised => None,
        ReturnAt::Labelled => {
            let blob = world.state.app().blobs().put(&png()).await.unwrap();
            let now = Timestamp::now();
            Some(Command::Returns(ReturnCommand::IssueLabel {
                label: ReturnLabel {
                    carrier: label("Colissimo"),
                    tracking_number: label("8R00000001"),
                    attachment: AttachmentRef {
                        sha256: blob.sha256,
                        filename: label("etiquette.pdf"),
                        content_type: label("application/pdf"),
                        size_bytes: blob.size_bytes,
                    },
                    issued_at: now,
                    expires_at: now + SignedDuration::from_hours(24 * 14),
                    parcel_count: 1,
                    weight_grams: 1000,
                },
            }))
        }
        ReturnAt::Received => Some(Command::Returns(ReturnCommand::ReceiveReturn {
            lines: serde_json::from_value(
                json!([{"line_id": "1", "quantity": 1, "condition": "new"}]),
            )
            .unwrap(),
        })),
        ReturnAt::RefundPending => Some(Command::Money(MoneyCommand::Refund {
            amount: None,
            deductions: Vec::new(),
            gateway: label("manual"),
            resolve: false,
        })),
        ReturnAt::CreditAgreed | ReturnAt::ExchangeAgreed => {
            let terms = if at == ReturnAt::CreditAgreed {
                json!({"kind": "store_credit", "amount": {"amount_minor": 4500, "currency": "EUR"}})
            } else {
                json!({"kind": "exchange"})
            };
            run_as(
                world,
                &case_id,
                merchant(),
                Command::Escalation(EscalationCommand::ProposeOffer {
                    terms: serde_json::from_value(terms).unwrap(),
                    message: None,
                }),
            )
            .await;
            Some(Command::Escalation(EscalationCommand::AcceptOffer {
                offer_id: 1,
            }))
        }
    };
    let actor = match at {
        ReturnAt::CreditAgreed | ReturnAt::ExchangeAgreed => Actor::Buyer,
        _ => merchant(),
    };
    if let Some(command) = next {
        run_as(world, &case_id, actor, command).await;
    }
    case_id
}

/// Gives `merchant` the return address its labels are sent to, and a goodwill budget
/// (gestures above 10 € need approval).
async fn give_return_address(world: &World, merchant: MerchantId) {
    let settings = json!({"return_address": {"name": "Atelier (retours)", "lines": ["12 rue des Lilas"],
                                             "postal_code": "75011", "city": "Paris", "country": "FR"},
                          "goodwill_budget": {"monthly": euros(10_000_000), "approval_above": euros(1000)}});
    world.set_merchant_settings(merchant, &settings).await;
}

/// Opens an incident on `order_id` `days_ago` days ago, as the buyer, through the store.
async fn open_ago(world: &World, order_id: &str, reason: &str, days_ago: i64) -> String {
    let case_id = CaseId::from_bytes(common::bytes());
    world
        .store
        .execute(CommandRequest {
            case_id,
            expected_version: Some(0),
            command: Command::Lifecycle(LifecycleCommand::Open {
                preferred: None,
                kind: CaseKind::Incident,
                reason: ReasonCode::parse(reason).unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                claimed: None,
                description: Body::parse("Le colis n'est jamais arrivé.").unwrap(),
                stage: None,
            }),
            actor: Actor::Buyer,
            order_id: Some(OrderId::parse(order_id).unwrap()),
            at: Some(Timestamp::now() - SignedDuration::from_hours(24 * days_ago)),
        })
        .await
        .unwrap_or_else(|e| panic!("fixture open failed: {e:?}"));
    case_id.to_string()
}

/// Runs `command` as `actor` at `days_ago` days ago.
async fn run_ago(world: &World, case_id: &str, actor: Actor, command: Command, days_ago: i64) {
    world
        .store
        .execute(CommandRequest {
            case_id: CaseId::parse(case_id).unwrap(),
            expected_version: None,
            command,
            actor,
            order_id: None,
            at: Some(Timestamp::now() - SignedDuration::from_hours(24 * days_ago)),
        })
        .await
        .unwrap_or_else(|e| panic!("fixture command failed: {e:?}"));
}

/// A parcel never delivered, ordered 40 days ago: the order loses its shipments and a
/// "not received" incident is opened; with `deadline_passed`, the buyer's new delivery
/// deadline (L216-6) has passed too.
async fn late_case(world: &World, order_id: &str, deadline_passed: bool) -> String {
    let id = OrderId::parse(order_id).unwrap();
    let order = world.store.order(id).await.unwrap().unwrap().order;
    let mut input = amiable_domain::order::OrderInput::from_order(&order);
    input.placed_at = (Timestamp::now() - SignedDuration::from_hours(24 * 40)).to_string();
    input.shipments.clear();
    world
        .store
        .upsert_order(order.operator_id, order.merchant_id, &input, id)
        .await
        .unwrap();
    let case_id = open_ago(world, order_id, "not_received", 6).await;
    if deadline_passed {
        let deliver_by = (Timestamp::now() - SignedDuration::from_hours(24 * 3))
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .date();
        run_ago(
            world,
            &case_id,
            Actor::Buyer,
            Command::Incident(IncidentCommand::SetDeliveryDeadline { deliver_by }),
            5,
        )
        .await;
    }
    case_id
}

/// An incident the operator took to `stage`.
async fn mediated_case(world: &World, order_id: &str, stage: Stage) -> String {
    let case_id = world.case_direct(order_id).await;
    run_as(
        world,
        &case_id,
        Actor::OperatorUser { id: "o1".into() },
        Command::Escalation(EscalationCommand::Escalate {
            to: Some(stage),
            reason: label("médiation"),
        }),
    )
    .await;
    case_id
}

/// A split decision (either party may appeal); with `appealed`, the shop appealed it.
async fn decided_case(world: &World, order_id: &str, appealed: bool) -> String {
    let case_id = mediated_case(world, order_id, Stage::Arbitration).await;
    run_as(
        world,
        &case_id,
        Actor::OperatorUser { id: "o1".into() },
        split_decision(),
    )
    .await;
    if appealed {
        run_as(
            world,
            &case_id,
            Actor::MerchantUser { id: "m".into() },
            Command::Mediation(MediationCommand::Appeal {
                grounds: Body::parse("Le colis a été livré.").unwrap(),
            }),
        )
        .await;
    }
    case_id
}

fn split_decision() -> Command {
    Command::Escalation(EscalationCommand::RecordDecision {
        decision: serde_json::from_value(json!({
            "outcome": "split",
            "resolution": {"kind": "partial_refund", "amount": euros(1000)},
            "rationale": "Chacun porte une part du retard constaté.",
        }))
        .unwrap(),
        gateway: None,
    })
}

/// Names the marketplace's consumer mediator (the settings routes' own cells may have
/// replaced the settings since the start).
async fn name_mediator(world: &World) {
    let named = world
        .call(
            "PUT",
            "/api/v1/settings",
            &Who::OperatorAdmin,
            Some(&json!({"mediator": {"name": "CM2C", "website": "https://www.cm2c.net"}})),
        )
        .await;
    assert_eq!(named.status, 200, "{}", named.body);
}

/// A decision taken 20 days ago, never appealed: final, its window closed.
async fn past_decision(world: &World, order_id: &str) -> String {
    name_mediator(world).await;
    let case_id = open_ago(world, order_id, "damaged_in_transit", 25).await;
    let operator = || Actor::OperatorUser { id: "o1".into() };
    run_ago(
        world,
        &case_id,
        operator(),
        Command::Escalation(EscalationCommand::Escalate {
            to: Some(Stage::Arbitration),
            reason: label("arbitrage"),
        }),
        24,
    )
    .await;
    run_ago(world, &case_id, operator(), split_decision(), 20).await;
    case_id
}

/// Business hours with a lunch break and one policy (the marketplace's also sets its own target).
fn sla_settings(marketplace: bool) -> Value {
    let mut targets = json!({"first_response": {"within": "4h"}});
    if marketplace {
        targets["marketplace_response"] = json!({"within": "8h"});
    }
    json!({"hours": {"time_zone": "Europe/Paris",
                     "week": {"monday": ["09:00-12:00", "14:00-18:00"], "friday": ["09:00-12:00"]},
                     "holidays": "france"},
           "policies": [{"name": "Retours", "conditions": {"kinds": ["return"]}, "targets": targets}]})
}

/// A policy at least as generous as the law (and so as the minimum below).
fn generous_policy() -> Value {
    json!({"window_days": 30, "return_shipping": "merchant",
           "allowed_resolutions": ["return_and_refund", "store_credit", "exchange"],
           "store_credit_bonus_percent": 10, "label_expiry_days": 21})
}

/// The operator's minimum: the law's floor.
fn minimum_policy() -> Value {
    json!({"window_days": 14, "return_shipping": "buyer",
           "allowed_resolutions": ["return_and_refund"], "label_expiry_days": 14})
}

fn euros(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "EUR"})
}

/// The request of one matrix cell.
struct Prepared {
    path: String,
    body: Option<Value>,
    multipart: bool,
}

/// Prepares the target of `path` at `merchant` for `caller`; `order`/`case`
/// are fresh per cell so that every allowed command can succeed.
async fn prepare(
    world: &World,
    method: &str,
    path: &str,
    caller: &str,
    merchant: MerchantId,
    order_id: &str,
    seq: usize,
) -> Prepared {
    let api = |p: String| format!("/api/v1{p}");
    let plain = |p: String| Prepared {
        path: api(p),
        body: None,
        multipart: false,
    };
    let with = |p: String, body: Value| Prepared {
        path: api(p),
        body: Some(body),
        multipart: false,
    };
    let number = format!("M-{seq}");
    let fresh_case = || async { world.case_direct(order_id).await };
    match (method, path) {
        ("GET", "/merchants") => plain("/merchants".into()),
        ("GET", "/users") => plain("/users".into()),
        ("POST", "/users") => with(
            "/users".into(),
            json!({"email": format!("agent{seq}@atelier.fr"), "name": "Agent", "role": "merchant_agent",
                   "merchant_id": merchant, "password": "une phrase de passe"}),
        ),
        ("GET", "/api-keys") => plain("/api-keys".into()),
        ("POST", "/api-keys") => with(
            "/api-keys".into(),
            json!({"name": "sync", "merchant_id": merchant}),
        ),
        ("POST", "/api-keys/{key_id}/revoke") => {
            let operator = world
                .store
                .merchant(merchant)
                .await
                .unwrap()
                .unwrap()
                .operator_id;
            let issued = amiable_server::auth::issue_api_key(operator, Some(merchant), "old", None);
            world.store.create_api_key(&issued.record).await.unwrap();
            plain(format!("/api-keys/{}/revoke", issued.record.id))
        }
        ("POST", "/orders") => with("/orders".into(), World::order_body(Some(merchant), &number)),
        ("GET", "/orders") => plain(format!("/orders?merchant_id={merchant}")),
        ("POST", "/orders/bulk") => {
            let order = World::order_body(None, &number)["order"].clone();
            with(
                "/orders/bulk".into(),
                json!({"merchant_id": merchant, "orders": [order]}),
            )
        }
        ("GET", "/orders/{order_id}") => plain(format!("/orders/{order_id}")),
        ("POST", "/orders/{order_id}/buyer-link") => {
            plain(format!("/orders/{order_id}/buyer-link"))
        }
        ("POST", "/cases") => with(
            "/cases".into(),
            json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                   "items": [{"line_id": "1", "quantity": 1}], "description": "Trop petit."}),
        ),
        ("GET", "/cases") => plain(format!("/cases?order_id={order_id}")),
        ("GET", "/cases/{case_id}") => plain(format!("/cases/{}", fresh_case().await)),
        ("POST", "/cases/{case_id}/messages") => with(
            format!("/cases/{}/messages", fresh_case().await),
            json!({"body": "Bonjour"}),
        ),
        ("POST", "/cases/{case_id}/notes") => with(
            format!("/cases/{}/notes", fresh_case().await),
            json!({"body": "Client fidèle"}),
        ),
        ("POST", "/cases/{case_id}/attachments") => Prepared {
            path: api(format!("/cases/{}/attachments", fresh_case().await)),
            body: None,
            multipart: true,
        },
        ("GET", "/cases/{case_id}/attachments/{sha256}") => {
            let case_id = fresh_case().await;
            let blob = world.state.app().blobs().put(&png()).await.unwrap();
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "m".into() },
                Command::Conversation(ConversationCommand::AttachFile {
                    attachment: amiable_domain::case::AttachmentRef {
                        sha256: blob.sha256.clone(),
                        filename: label("photo.png"),
                        content_type: label("image/png"),
                        size_bytes: blob.size_bytes,
                    },
                    visibility: amiable_domain::case::Visibility::Public,
                }),
            )
            .await;
            plain(format!("/cases/{case_id}/attachments/{}", blob.sha256))
        }
        ("POST", "/cases/{case_id}/offers") => {
            let case_id = fresh_case().await;
            if is_operator_side(caller) {
                // The operator proposes terms from mediation on (a decider rule, not access).
                run_as(
                    world,
                    &case_id,
                    Actor::OperatorUser { id: "o1".into() },
                    Command::Escalation(EscalationCommand::Escalate {
                        to: None,
                        reason: label("médiation"),
                    }),
                )
                .await;
            }
            with(
                format!("/cases/{case_id}/offers"),
                json!({"terms": {"kind": "replacement"}}),
            )
        }
        ("POST", "/cases/{case_id}/offers/{offer_id}/accept")
        | ("POST", "/cases/{case_id}/offers/{offer_id}/decline") => {
            let case_id = fresh_case().await;
            // The offer is made to the caller's side: by the merchant to a buyer, else by the buyer.
            let by = if caller == "buyer" {
                Actor::MerchantUser { id: "m".into() }
            } else {
                Actor::Buyer
            };
            run_as(
                world,
                &case_id,
                by,
                Command::Escalation(EscalationCommand::ProposeOffer {
                    terms: Resolution::simple(ResolutionKind::Replacement),
                    message: None,
                }),
            )
            .await;
            let verb = if path.ends_with("accept") {
                "accept"
            } else {
                "decline"
            };
            with(format!("/cases/{case_id}/offers/1/{verb}"), json!({}))
        }
        ("POST", "/cases/{case_id}/escalate") => {
            // The shop answered: the buyer may ask the marketplace at once.
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "m".into() },
                Command::Conversation(ConversationCommand::PostMessage {
                    body: Body::parse("Nous regardons.").unwrap(),
                }),
            )
            .await;
            with(
                format!("/cases/{case_id}/escalate"),
                json!({"reason": "Pas de réponse"}),
            )
        }
        ("POST", "/cases/{case_id}/responsibility") => with(
            format!("/cases/{}/responsibility", fresh_case().await),
            json!({"responsible": "carrier", "grounds": "Colis abîmé selon le transporteur"}),
        ),
        ("POST", "/cases/{case_id}/delivery-deadline") => {
            let case_id = late_case(world, order_id, false).await;
            let in_ten_days = (Timestamp::now() + SignedDuration::from_hours(24 * 10))
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date();
            with(
                format!("/cases/{case_id}/delivery-deadline"),
                json!({"deliver_by": in_ten_days.to_string()}),
            )
        }
        ("POST", "/cases/{case_id}/cancel-late-order") => with(
            format!(
                "/cases/{}/cancel-late-order",
                late_case(world, order_id, true).await
            ),
            json!({}),
        ),
        ("POST", "/cases/{case_id}/carrier-claim") => with(
            format!("/cases/{}/carrier-claim", fresh_case().await),
            json!({"carrier": "Colissimo", "reference": format!("RCL-{seq}"), "amount": euros(4500)}),
        ),
        ("POST", "/cases/{case_id}/carrier-claim/outcome") => {
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "m".into() },
                Command::Incident(IncidentCommand::FileCarrierClaim {
                    carrier: label("Colissimo"),
                    reference: label("RCL-1"),
                    amount: serde_json::from_value(euros(4500)).unwrap(),
                    reserves_sent_on: None,
                }),
            )
            .await;
            with(
                format!("/cases/{case_id}/carrier-claim/outcome"),
                json!({"outcome": "accepted", "recovered": euros(4500)}),
            )
        }
        ("POST", "/cases/{case_id}/reshipments") => with(
            format!("/cases/{}/reshipments", fresh_case().await),
            json!({"lines": [{"line_id": "1", "quantity": 1}], "carrier": "Colissimo", "tracking_number": "6A9"}),
        ),
        ("POST", "/cases/{case_id}/reshipments/scan") => {
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "m".into() },
                Command::Incident(IncidentCommand::Reship {
                    lines: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}]))
                        .unwrap(),
                    carrier: label("Colissimo"),
                    tracking_number: label("6A9"),
                }),
            )
            .await;
            with(
                format!("/cases/{case_id}/reshipments/scan"),
                json!({"status": "delivered"}),
            )
        }
        ("POST", "/cases/{case_id}/private-messages") => {
            let case_id = mediated_case(world, order_id, Stage::Mediation).await;
            let channel = if is_operator_side(caller) || caller == "buyer" {
                "buyer"
            } else {
                "merchant"
            };
            with(
                format!("/cases/{case_id}/private-messages"),
                json!({"channel": channel, "body": "Un mot en privé"}),
            )
        }
        ("POST", "/cases/{case_id}/information-requests") => {
            let case_id = mediated_case(world, order_id, Stage::Mediation).await;
            let due = Timestamp::now() + SignedDuration::from_hours(72);
            with(
                format!("/cases/{case_id}/information-requests"),
                json!({"from": "merchant", "request": "La preuve de livraison", "due_at": due.to_string()}),
            )
        }
        ("POST", "/cases/{case_id}/appeal") => with(
            format!(
                "/cases/{}/appeal",
                decided_case(world, order_id, false).await
            ),
            json!({"grounds": "La décision ignore le suivi"}),
        ),
        ("POST", "/cases/{case_id}/appeal/decision") => with(
            format!(
                "/cases/{}/appeal/decision",
                decided_case(world, order_id, true).await
            ),
            json!({"outcome": "dismissed", "grounds": "Le suivi ne prouve pas la remise au client."}),
        ),
        ("POST", "/cases/{case_id}/consumer-mediation") => with(
            format!(
                "/cases/{}/consumer-mediation",
                past_decision(world, order_id).await
            ),
            json!({}),
        ),
        ("POST", "/cases/{case_id}/compensation/{approval_id}/answer") => {
            // The budget (the settings routes' own cells may have replaced it since).
            give_return_address(world, world.merchant_id).await;
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "agent".into() },
                Command::Money(MoneyCommand::Compensate {
                    kind: amiable_domain::case::GoodwillKind::Voucher,
                    amount: serde_json::from_value(euros(2000)).unwrap(),
                    note: None,
                    resolve: false,
                    approver: false,
                    request_approval: true,
                }),
            )
            .await;
            with(format!("/cases/{case_id}/compensation/1/answer"), json!({}))
        }
        ("GET", "/cases/{case_id}/dossier.pdf") => {
            plain(format!("/cases/{}/dossier.pdf", fresh_case().await))
        }
        ("POST", "/cases/{case_id}/decision") => {
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::OperatorUser { id: "o".into() },
                Command::Escalation(EscalationCommand::Escalate {
                    to: Some(Stage::Arbitration),
                    reason: label("arbitrage"),
                }),
            )
            .await;
            with(
                format!("/cases/{case_id}/decision"),
                json!({"decision": {"outcome": "buyer_favoured", "resolution": {"kind": "replacement"},
                                    "rationale": "Article non conforme"}}),
            )
        }
        ("POST", "/cases/{case_id}/resolve") => {
            let kind = if caller == "buyer" {
                "withdrawn"
            } else {
                "replacement"
            };
            with(
                format!("/cases/{}/resolve", fresh_case().await),
                json!({"resolution": {"kind": kind}}),
            )
        }
        ("POST", "/cases/{case_id}/reopen") | ("POST", "/cases/{case_id}/close") => {
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "m".into() },
                Command::Lifecycle(LifecycleCommand::Resolve {
                    resolution: Resolution::simple(ResolutionKind::Replacement),
                }),
            )
            .await;
            if path.ends_with("reopen") {
                with(
                    format!("/cases/{case_id}/reopen"),
                    json!({"reason": "Pas reçu"}),
                )
            } else {
                plain(format!("/cases/{case_id}/close"))
            }
        }
        ("GET", "/cases/{case_id}/feedback") => {
            plain(format!("/cases/{}/feedback", fresh_case().await))
        }
        ("PUT", "/cases/{case_id}/feedback") => {
            let case_id = fresh_case().await;
            run_as(
                world,
                &case_id,
                Actor::MerchantUser { id: "m".into() },
                Command::Lifecycle(LifecycleCommand::Resolve {
                    resolution: Resolution::simple(ResolutionKind::Replacement),
                }),
            )
            .await;
            with(
                format!("/cases/{case_id}/feedback"),
                json!({"rating": 4, "comment": "Rapide et aimable."}),
            )
        }
        ("POST", "/cases/{case_id}/cancel") => with(
            format!("/cases/{}/cancel", fresh_case().await),
            json!({"reason": "Erreur"}),
        ),
        ("GET", "/merchants/{merchant_id}/return-policy") => {
            plain(format!("/merchants/{merchant}/return-policy"))
        }
        ("POST", "/merchants/{merchant_id}/return-policy") => with(
            format!("/merchants/{merchant}/return-policy"),
            generous_policy(),
        ),
        ("GET", "/return-policy/minimum") => plain("/return-policy/minimum".into()),
        ("GET", "/merchants/{merchant_id}/settings") => {
            plain(format!("/merchants/{merchant}/settings"))
        }
        ("PUT", "/merchants/{merchant_id}/settings") => with(
            format!("/merchants/{merchant}/settings"),
            json!({"return_address": {"lines": ["3 rue des Lilas"], "postal_code": "69002", "city": "Lyon", "country": "FR"}}),
        ),
        ("GET", "/settings") => plain("/settings".into()),
        ("PUT", "/settings") => with(
            "/settings".into(),
            json!({"time_zone": "Europe/Paris", "language": "fr"}),
        ),
        ("GET", "/sla/settings") => plain("/sla/settings".into()),
        ("PUT", "/sla/settings") => with("/sla/settings".into(), sla_settings(true)),
        ("GET", "/merchants/{merchant_id}/sla/settings") => {
            plain(format!("/merchants/{merchant}/sla/settings"))
        }
        ("PUT", "/merchants/{merchant_id}/sla/settings") => with(
            format!("/merchants/{merchant}/sla/settings"),
            sla_settings(false),
        ),
        ("GET", "/automation/rules") => plain("/automation/rules".into()),
        ("PUT", "/automation/rules") => with(
            "/automation/rules".into(),
            json!([{"id": "news", "name": "Nouvelles", "when": {"on": "silence", "for": "6d"},
                    "actions": [{"do": "status_update"}]}]),
        ),
        ("GET", "/quality/settings") => plain("/quality/settings".into()),
        ("PUT", "/quality/settings") => with(
            "/quality/settings".into(),
            json!({"window_days": 30, "thresholds": [{"metric": "first_response_breach_rate",
                   "warning_percent": 10, "restriction_percent": 25}]}),
        ),
        ("GET", "/merchants/{merchant_id}/quality") => {
            plain(format!("/merchants/{merchant}/quality"))
        }
        ("POST", "/merchants/{merchant_id}/quality/evaluation") => {
            plain(format!("/merchants/{merchant}/quality/evaluation"))
        }
        ("GET", "/cases/{case_id}/sla") => plain(format!("/cases/{}/sla", fresh_case().await)),
        ("POST", "/return-policy/minimum") => {
            with("/return-policy/minimum".into(), minimum_policy())
        }
        ("GET", "/orders/{order_id}/eligibility") => {
            plain(format!("/orders/{order_id}/eligibility"))
        }
        ("GET", "/orders/{order_id}/ledger") => plain(format!("/orders/{order_id}/ledger")),
        ("POST", "/cases/{case_id}/return/authorise") => {
            let case_id = return_case(world, order_id, ReturnAt::Requested).await;
            with(
                format!("/cases/{case_id}/return/authorise"),
                json!({"returnless": false}),
            )
        }
        ("POST", "/cases/{case_id}/return/refuse") => {
            let case_id = return_case(world, order_id, ReturnAt::Requested).await;
            with(
                format!("/cases/{case_id}/return/refuse"),
                json!({"ground": "Article personnalisé"}),
            )
        }
        ("POST", "/cases/{case_id}/return/label") => {
            let case_id = return_case(world, order_id, ReturnAt::Authorised).await;
            with(
                format!("/cases/{case_id}/return/label"),
                json!({"weight_grams": 800}),
            )
        }
        ("GET", "/cases/{case_id}/return/label") => {
            let case_id = return_case(world, order_id, ReturnAt::Labelled).await;
            plain(format!("/cases/{case_id}/return/label"))
        }
        ("POST", "/cases/{case_id}/return/tracking") => {
            let case_id = return_case(world, order_id, ReturnAt::Labelled).await;
            let scanned_at = (Timestamp::now() - SignedDuration::from_hours(1))
                .round(jiff::Unit::Second)
                .unwrap();
            with(
                format!("/cases/{case_id}/return/tracking"),
                json!({"status": "in_transit", "scanned_at": scanned_at.to_string(),
                       "location": "Paris PFC"}),
            )
        }
        ("POST", "/cases/{case_id}/return/shipment") => {
            let case_id = return_case(world, order_id, ReturnAt::Authorised).await;
            with(
                format!("/cases/{case_id}/return/shipment"),
                json!({"carrier": "Mondial Relay", "tracking_number": "MR123456"}),
            )
        }
        ("POST", "/cases/{case_id}/return/receive") => {
            let case_id = return_case(world, order_id, ReturnAt::Authorised).await;
            with(
                format!("/cases/{case_id}/return/receive"),
                json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "like_new"}]}),
            )
        }
        ("POST", "/cases/{case_id}/return/inspect") => {
            let case_id = return_case(world, order_id, ReturnAt::Received).await;
            with(
                format!("/cases/{case_id}/return/inspect"),
                json!({"lines": [{"line_id": "1", "compliant": true}]}),
            )
        }
        ("POST", "/cases/{case_id}/refunds") => {
            let case_id = return_case(world, order_id, ReturnAt::Authorised).await;
            with(
                format!("/cases/{case_id}/refunds"),
                json!({"amount": euros(4500)}),
            )
        }
        ("POST", "/cases/{case_id}/refunds/{refund_id}/settle") => {
            let case_id = return_case(world, order_id, ReturnAt::RefundPending).await;
            with(
                format!("/cases/{case_id}/refunds/1/settle"),
                json!({"reference": "RF-0001"}),
            )
        }
        ("POST", "/cases/{case_id}/refunds/{refund_id}/fail") => {
            let case_id = return_case(world, order_id, ReturnAt::RefundPending).await;
            with(
                format!("/cases/{case_id}/refunds/1/fail"),
                json!({"error": "Carte expirée"}),
            )
        }
        ("POST", "/cases/{case_id}/store-credit") => {
            let case_id = return_case(world, order_id, ReturnAt::CreditAgreed).await;
            with(format!("/cases/{case_id}/store-credit"), json!({}))
        }
        ("POST", "/cases/{case_id}/exchange") => {
            let case_id = return_case(world, order_id, ReturnAt::ExchangeAgreed).await;
            with(
                format!("/cases/{case_id}/exchange"),
                json!({"lines": [{"line_id": "1", "quantity": 1, "sku": "PULL-L",
                                  "title": "Pull en laine (L)", "unit_price": euros(4500)}]}),
            )
        }
        ("POST", "/cases/{case_id}/compensation") => with(
            format!("/cases/{}/compensation", fresh_case().await),
            json!({"kind": "voucher", "amount": euros(500), "note": "Pour le retard"}),
        ),
        ("GET", "/deliveries") => plain("/deliveries?status=sent".into()),
        ("POST", "/deliveries/{delivery_id}/resend") => plain(format!(
            "/deliveries/{}/resend",
            delivery_of(world, merchant, seq).await
        )),
        ("GET", "/webhooks") => plain("/webhooks".into()),
        ("POST", "/webhooks") => with(
            "/webhooks".into(),
            json!({"url": format!("https://hooks.example.com/{seq}"), "merchant_id": merchant}),
        ),
        ("PATCH", "/webhooks/{endpoint_id}") => with(
            format!("/webhooks/{}", endpoint_of(world, merchant).await),
            json!({"url": "https://hooks.example.com/changed", "event_types": ["case.opened"]}),
        ),
        ("GET", "/webhooks/{endpoint_id}/deliveries") => plain(format!(
            "/webhooks/{}/deliveries",
            endpoint_of(world, merchant).await
        )),
        ("POST", "/webhooks/{endpoint_id}/replay") => with(
            format!("/webhooks/{}/replay", endpoint_of(world, merchant).await),
            json!({"since": "2026-01-01T00:00:00Z"}),
        ),
        ("POST", "/inbound/mail") => plain("/inbound/mail".into()),
        ("POST", "/cases/{case_id}/assignment") => with(
            format!("/cases/{}/assignment", fresh_case().await),
            json!({"to": "queue", "team_id": team_of(world, merchant, seq).await}),
        ),
        ("POST", "/cases/bulk") => with(
            "/cases/bulk".into(),
            json!({"case_ids": [fresh_case().await], "action": {"type": "close"}}),
        ),
        ("PUT", "/cases/{case_id}/presence") => with(
            format!("/cases/{}/presence", fresh_case().await),
            json!({"typing": true}),
        ),
        ("GET", "/teams") => plain(format!("/teams?merchant_id={merchant}")),
        ("POST", "/teams") => with(
            format!("/teams?merchant_id={merchant}"),
            json!({"name": format!("Équipe {seq}"), "members": []}),
        ),
        ("PUT", "/teams/{team_id}") => with(
            format!("/teams/{}", team_of(world, merchant, seq).await),
            json!({"name": "Retours", "members": []}),
        ),
        ("DELETE", "/teams/{team_id}") => {
            plain(format!("/teams/{}", team_of(world, merchant, seq).await))
        }
        ("GET", "/macros") => plain(format!("/macros?merchant_id={merchant}")),
        ("POST", "/macros") => with(
            format!("/macros?merchant_id={merchant}"),
            json!({"title_fr": "Suivi", "body_fr": "Bonjour {client}"}),
        ),
        ("PUT", "/macros/{macro_id}") => with(
            format!("/macros/{}", macro_of(world, merchant, seq).await),
            json!({"title_en": "Follow-up", "body_en": "Hello {client}"}),
        ),
        ("DELETE", "/macros/{macro_id}") => {
            plain(format!("/macros/{}", macro_of(world, merchant, seq).await))
        }
        ("POST", "/macros/{macro_id}/preview") => plain(format!(
            "/macros/{}/preview?case_id={}",
            macro_of(world, merchant, seq).await,
            fresh_case().await
        )),
        (method, path) => panic!("no fixture for {method} {path}"),
    }
}

/// A team of `merchant`, made in its store.
async fn team_of(world: &World, merchant: MerchantId, seq: usize) -> String {
    let operator_id = world
        .store
        .merchant(merchant)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let team = amiable_store::Team {
        id: format!("team_matrix_{seq}_{}", uuid::Uuid::new_v4().simple()),
        operator_id,
        merchant_id: Some(merchant),
        name: format!("Équipe {seq}"),
        members: Vec::new(),
        created_at: Timestamp::now(),
    };
    world.store.create_team(&team).await.unwrap();
    team.id
}

/// A macro of `merchant`, made in its store.
async fn macro_of(world: &World, merchant: MerchantId, seq: usize) -> String {
    let operator_id = world
        .store
        .merchant(merchant)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let now = Timestamp::now();
    let item = amiable_store::Macro {
        id: format!("macro_matrix_{seq}_{}", uuid::Uuid::new_v4().simple()),
        operator_id,
        merchant_id: Some(merchant),
        title_fr: "Accusé de réception".into(),
        title_en: String::new(),
        body_fr: "Bonjour {client}, nous avons bien reçu votre demande.".into(),
        body_en: String::new(),
        updated_by: "matrix".into(),
        created_at: now,
        updated_at: now,
    };
    world.store.create_macro(&item).await.unwrap();
    item.id
}

/// A webhook endpoint of `merchant`, made in its store.
async fn endpoint_of(world: &World, merchant: MerchantId) -> String {
    let operator_id = world
        .store
        .merchant(merchant)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let now = Timestamp::now();
    let endpoint = amiable_store::WebhookEndpoint {
        id: format!("ep_{}", uuid::Uuid::new_v4().simple()),
        operator_id,
        merchant_id: Some(merchant),
        url: "https://hooks.example.com/amiable".into(),
        description: String::new(),
        event_types: Vec::new(),
        secrets: vec![amiable_store::WebhookSecret {
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            created_at: now,
            expires_at: None,
        }],
        status: "enabled".into(),
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    world
        .store
        .create_webhook_endpoint(&endpoint)
        .await
        .unwrap();
    endpoint.id
}

/// A sent email to a buyer of `merchant`, planned in its store.
async fn delivery_of(world: &World, merchant: MerchantId, seq: usize) -> i64 {
    let operator_id = world
        .store
        .merchant(merchant)
        .await
        .unwrap()
        .unwrap()
        .operator_id;
    let key = format!("matrix:{merchant}:{seq}");
    world
        .store
        .plan_deliveries(&[amiable_store::NewDelivery {
            idem_key: key.clone(),
            operator_id: operator_id.to_string(),
            merchant_id: Some(merchant.to_string()),
            case_id: None,
            seq: None,
            channel: "email".into(),
            topic: "case_opened".into(),
            audience: "buyer".into(),
            recipient: "buyer@example.com".into(),
            recipient_key: "buyer".into(),
            language: "fr".into(),
            sender_name: "Atelier".into(),
            subject: "[Dossier X] Test".into(),
            body_text: "Bonjour".into(),
            body_html: None,
            message_id: format!("<{seq}@amiable.localhost>"),
            max_attempts: 1,
            due_at: Timestamp::now(),
        }])
        .await
        .unwrap();
    let found = world
        .store
        .deliveries(&amiable_store::DeliveryFilter {
            merchant_id: Some(merchant.to_string()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    found[0].id
}

async fn send(world: &World, method: &str, prepared: Prepared, who: &Who) -> common::Reply {
    if prepared.multipart {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png()).file_name("photo.png"),
        );
        World::send(world.request(method, &prepared.path, who).multipart(form)).await
    } else {
        world
            .call(method, &prepared.path, who, prepared.body.as_ref())
            .await
    }
}

/// A denial of a foreign resource: it does not exist for this caller.
fn is_not_found(reply: &common::Reply) -> bool {
    reply.status == 404
        || (reply.status == 422
            && reply.body["code"]
                .as_str()
                .is_some_and(|c| c.ends_with(".not_found")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_caller_own_and_foreign() {
    for world in worlds().await {
        // Labels are addressed to the merchant (the other tenants' cells stop at 404 first).
        give_return_address(&world, world.merchant_id).await;
        // The consumer mediator the marketplace names once its decisions are final.
        name_mediator(&world).await;
        let mut failures = Vec::new();
        let mut cells = 0;
        let mut seq = 0;
        for (method, path, row) in MATRIX {
            if *row == PUBLIC {
                continue;
            }
            for (column, caller) in CALLERS.iter().enumerate() {
                let expected = expect(row, column);
                for foreign in [false, true] {
                    if foreign && NO_FOREIGN.contains(path) {
                        continue;
                    }
                    seq += 1;
                    cells += 1;
                    // The caller's own order, and the target: own, or out of reach.
                    let own_order = world
                        .order_at(world.merchant_id, &format!("OWN-{seq}"))
                        .await;
                    let token = world.buyer_token(&own_order).await;
                    let (merchant, order) = match (foreign, caller) {
                        (false, _) => (world.merchant_id, own_order.clone()),
                        // A buyer's foreign resource: another order of the same merchant.
                        (true, &"buyer") => (
                            world.merchant_id,
                            world
                                .order_at(world.merchant_id, &format!("OTHER-{seq}"))
                                .await,
                        ),
                        // Operator side: another operator's merchant.
                        (true, c) if is_operator_side(c) => (
                            world.foreign_merchant_id,
                            world
                                .order_at(world.foreign_merchant_id, &format!("FOREIGN-{seq}"))
                                .await,
                        ),
                        // Merchant side: another merchant of the same operator.
                        (true, _) => (
                            world.other_merchant_id,
                            world
                                .order_at(world.other_merchant_id, &format!("NEIGHBOUR-{seq}"))
                                .await,
                        ),
                    };
                    let caller_who = who(&world, caller, &token);
                    let prepared =
                        prepare(&world, method, path, caller, merchant, &order, seq).await;
                    let reply = send(&world, method, prepared, &caller_who).await;
                    let forbidden = reply.status == 403 && reply.body["code"] == "auth.forbidden";
                    let ok = match (foreign, expected) {
                        // Out of reach: not found. A role that may never do this may be
                        // told so before any lookup (the answer then says nothing of the resource).
                        (true, Expect::Allowed | Expect::OutOfReach) => is_not_found(&reply),
                        (true, Expect::Forbidden) => is_not_found(&reply) || forbidden,
                        (false, Expect::Allowed) => (200..300).contains(&reply.status),
                        (false, Expect::Forbidden) => forbidden,
                        (false, Expect::OutOfReach) => is_not_found(&reply),
                    };
                    if !ok {
                        failures.push(format!(
                            "{method} {path} as {caller} ({}): expected {}, got {} {}",
                            if foreign { "foreign" } else { "own" },
                            match (foreign, expected) {
                                (true, Expect::Forbidden) => "not found or 403",
                                (_, Expect::OutOfReach) | (true, _) => "not found",
                                (false, Expect::Allowed) => "2xx",
                                (false, Expect::Forbidden) => "403",
                            },
                            reply.status,
                            reply.body
                        ));
                    }
                }
            }
            // Nobody at all: 401, whatever the route.
            let order = world
                .order_at(world.merchant_id, &format!("ANON-{seq}"))
                .await;
            let prepared = prepare(
                &world,
                method,
                path,
                "operator_admin",
                world.merchant_id,
                &order,
                seq + 100_000,
            )
            .await;
            let reply = send(&world, method, prepared, &Who::Anonymous).await;
            if reply.status != 401 {
                failures.push(format!(
                    "{method} {path} anonymous: expected 401, got {}",
                    reply.status
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{}: {} of {cells} cells wrong:\n{}",
            world.name,
            failures.len(),
            failures.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_without_a_resource_show_only_what_is_in_reach() {
    for world in worlds().await {
        let reply = world.get("/api/v1/merchants", &Who::MerchantAgent).await;
        let ids: Vec<&str> = reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![world.merchant_id.to_string()], "{}", world.name);
        let reply = world.get("/api/v1/merchants", &Who::OperatorAdmin).await;
        let ids: Vec<String> = reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(ids.contains(&world.other_merchant_id.to_string()));
        assert!(
            !ids.contains(&world.foreign_merchant_id.to_string()),
            "{}",
            world.name
        );
        // Users and keys of the other operator never show.
        for path in ["/api/v1/users", "/api/v1/api-keys"] {
            let reply = world.get(path, &Who::OperatorAdmin).await;
            let text = reply.body.to_string();
            assert!(
                !text.contains(&world.other_operator_id.to_string()),
                "{path}"
            );
            let reply = world.get(path, &Who::MerchantAdmin).await;
            for item in reply.body["items"].as_array().unwrap() {
                assert_eq!(
                    item["merchant_id"],
                    json!(world.merchant_id),
                    "{path}: {item}"
                );
            }
        }
        // A merchant's inbox holds its own cases only, even unfiltered.
        let own = world.order_at(world.merchant_id, "INBOX-1").await;
        let neighbour = world.order_at(world.other_merchant_id, "INBOX-2").await;
        world.case_on(&own, &Who::OperatorKey).await;
        world.case_on(&neighbour, &Who::OperatorKey).await;
        let reply = world.get("/api/v1/cases", &Who::MerchantAgent).await;
        let items = reply.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", world.name);
        assert_eq!(items[0]["merchant_id"], json!(world.merchant_id));
        let reply = world.get("/api/v1/cases", &Who::OperatorAdmin).await;
        assert_eq!(reply.body["items"].as_array().unwrap().len(), 2);
        let reply = world.get("/api/v1/orders", &Who::MerchantKey).await;
        for item in reply.body["items"].as_array().unwrap() {
            assert_eq!(item["order"]["merchant_id"], json!(world.merchant_id));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_never_sees_internal_notes_or_files() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "NOTES-1").await;
        let case_id = world.case_on(&order, &Who::OperatorKey).await;
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/notes"),
                &Who::MerchantAgent,
                &json!({"body": "Client difficile, ne pas rembourser sans photo."}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let form = reqwest::multipart::Form::new()
            .text("visibility", "internal")
            .part(
                "file",
                reqwest::multipart::Part::bytes(png()).file_name("interne.png"),
            );
        let reply = World::send(
            world
                .request(
                    "POST",
                    &format!("/api/v1/cases/{case_id}/attachments"),
                    &Who::MerchantAgent,
                )
                .multipart(form),
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let sha = reply.body["events"][0]["data"]["attachment"]["sha256"]
            .as_str()
            .unwrap()
            .to_owned();
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let view = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        assert_eq!(view.status, 200);
        let text = view.body["timeline"].to_string();
        assert!(!text.contains("Client difficile"), "{text}");
        assert!(!text.contains(&sha), "{text}");
        assert_eq!(view.body["internal_hidden"], true);
        let staff = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        assert!(
            staff.body["timeline"]
                .to_string()
                .contains("Client difficile")
        );
        let file = world
            .get(
                &format!("/api/v1/cases/{case_id}/attachments/{sha}"),
                &buyer,
            )
            .await;
        assert_eq!(file.status, 404, "{}", world.name);
        let file = World::send(world.request(
            "GET",
            &format!("/api/v1/cases/{case_id}/attachments/{sha}"),
            &Who::MerchantAgent,
        ))
        .await;
        assert_eq!(file.status, 200);
        assert_eq!(file.headers["content-type"], "image/png");
    }
}
