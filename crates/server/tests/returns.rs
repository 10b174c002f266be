//! Returns and money through real HTTP, on SQLite and (when
//! AMIABLE_TEST_DATABASE_URL is set) PostgreSQL: the return lifecycle for
//! every resolution, return policies and the eligibility answer, labels,
//! refunds against the order's ledger (also under concurrency), and who may
//! do what.
//!
//! The harness order (`World::order_body`): line "1" = 2 × "Pull en laine" at
//! 45.00 €, line "2" = 1 × "Bougie" at 19.90 € flagged `personalised` (no
//! withdrawal right, C. conso L221-28 3°), 4.90 € delivery, 114.80 €
//! captured, placed 7 days ago and delivered 3 days ago.
//!
//! Every refused request is checked to have changed nothing: the case's
//! version, the order's ledger and the number of orders, cases and events.

mod common;

use amiable_domain::ids::MerchantId;
use common::{Reply, Who, World, worlds, worlds_with};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// What the harness order's buyer paid.
const CAPTURED: i64 = 11_480;
/// One "Pull en laine".
const PULL: i64 = 4_500;

fn eur(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "EUR"})
}

fn code(reply: &Reply) -> Option<&str> {
    reply.body["code"].as_str()
}

/// The types of the events a command appended, in order.
fn types(reply: &Reply) -> Vec<String> {
    reply.body["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn ago(duration: SignedDuration) -> Timestamp {
    Timestamp::now()
        .checked_sub(duration)
        .unwrap()
        .round(jiff::Unit::Second)
        .unwrap()
}

fn days_ago(days: i64) -> String {
    ago(SignedDuration::from_hours(24 * days)).to_string()
}

fn minutes_ago(minutes: i64) -> String {
    ago(SignedDuration::from_mins(minutes)).to_string()
}

/// A carrier scan of the return parcel.
fn scan(status: &str, minutes: i64, carrier_event_id: &str) -> Value {
    json!({"status": status, "scanned_at": minutes_ago(minutes), "location": "Lyon CTC",
           "carrier_event_id": carrier_event_id})
}

/// The harness order placed, shipped and delivered `days` earlier than usual.
fn order_delivered_days_ago(merchant_id: MerchantId, external_id: &str, days: i64) -> Value {
    let mut body = World::order_body(Some(merchant_id), external_id);
    body["order"]["placed_at"] = json!(days_ago(days + 5));
    body["order"]["shipments"][0]["shipped_at"] = json!(days_ago(days + 2));
    body["order"]["shipments"][0]["delivered_at"] = json!(days_ago(days));
    body
}

async fn create_order(world: &World, body: &Value) -> String {
    let reply = world.post("/api/v1/orders", &Who::OperatorKey, body).await;
    assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
    reply.body["order"]["id"].as_str().unwrap().to_owned()
}

/// Replaces a merchant's settings through the settings API, as the operator.
async fn set_settings(world: &World, merchant_id: MerchantId, settings: &Value) {
    world.set_merchant_settings(merchant_id, settings).await;
}

/// Gives the merchant a return address, so that labels can be issued.
async fn set_return_address(world: &World) {
    set_settings(
        world,
        world.merchant_id,
        &json!({"return_address": {"name": "Maison Colette – Retours", "lines": ["12 rue de l’Église"],
                                    "postal_code": "69002", "city": "Lyon", "country": "FR"}}),
    )
    .await;
}

/// A merchant policy: 30 days, free returns, refund, store credit (+10 %) or exchange.
fn generous_policy() -> Value {
    json!({
        "window_days": 30,
        "return_shipping": "merchant",
        "allowed_resolutions": ["return_and_refund", "store_credit", "exchange"],
        "store_credit_bonus_percent": 10,
        "label_expiry_days": 14,
        "condition_rules": "Non porté, avec ses étiquettes."
    })
}

async fn publish_policy(world: &World, policy: &Value) -> Reply {
    world
        .post(
            &format!("/api/v1/merchants/{}/return-policy", world.merchant_id),
            &Who::MerchantAdmin,
            policy,
        )
        .await
}

/// Publishes a merchant policy and dates it 60 days back. An order is judged
/// by the version in force when it was *placed*, and the API stamps a version
/// with the instant it is published: the harness order (placed 7 days ago)
/// would otherwise never see it.
async fn publish_backdated(world: &World, policy: &Value) -> u64 {
    let reply = publish_policy(world, policy).await;
    assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
    let version = reply.body["version"].as_u64().unwrap();
    let from = ago(SignedDuration::from_hours(24 * 60)).as_microsecond();
    let done = world
        .store
        .raw_execute(format!(
            "UPDATE return_policies SET effective_from = {from} WHERE operator_id = '{}' AND scope = '{}' AND version = {version}",
            world.operator_id, world.merchant_id
        ))
        .await
        .unwrap();
    assert_eq!(done, 1);
    version
}

async fn open(
    world: &World,
    order_id: &str,
    who: &Who,
    items: Value,
    preferred: Option<&str>,
) -> Reply {
    let mut body = json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                          "items": items, "description": "Le pull ne me va pas."});
    if let Some(preferred) = preferred {
        body["preferred_resolution"] = json!(preferred);
    }
    world.post("/api/v1/cases", who, &body).await
}

/// Opens a return of `quantity` pulls (line 1) as the buyer; returns the case id.
async fn open_pulls(
    world: &World,
    order_id: &str,
    quantity: u32,
    preferred: Option<&str>,
) -> String {
    let buyer = Who::Buyer(world.buyer_token(order_id).await);
    let reply = open(
        world,
        order_id,
        &buyer,
        json!([{"line_id": "1", "quantity": quantity}]),
        preferred,
    )
    .await;
    assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
    assert_eq!(reply.body["case"]["returns"]["stage"], "requested");
    reply.body["case_id"].as_str().unwrap().to_owned()
}

/// POSTs to `/api/v1/cases/{case_id}/{path}`.
async fn on_case(world: &World, case_id: &str, path: &str, who: &Who, body: Value) -> Reply {
    world
        .post(&format!("/api/v1/cases/{case_id}/{path}"), who, &body)
        .await
}

/// Like [`on_case`], and the command must succeed.
async fn done(world: &World, case_id: &str, path: &str, who: &Who, body: Value) -> Reply {
    let reply = on_case(world, case_id, path, who, body).await;
    assert_eq!(reply.status, 200, "{}: {path}: {}", world.name, reply.body);
    reply
}

async fn case(world: &World, case_id: &str) -> Value {
    let reply = world
        .get(&format!("/api/v1/cases/{case_id}"), &Who::OperatorAdmin)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["case"].clone()
}

async fn ledger(world: &World, order_id: &str) -> Value {
    let reply = world
        .get(
            &format!("/api/v1/orders/{order_id}/ledger"),
            &Who::OperatorAdmin,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn eligibility(world: &World, order_id: &str, who: &Who) -> Value {
    let reply = world
        .get(&format!("/api/v1/orders/{order_id}/eligibility"), who)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

fn line<'a>(answer: &'a Value, line_id: &str) -> &'a Value {
    answer["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line_id"] == line_id)
        .unwrap()
}

/// What a refused request must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    version: Value,
    ledger: Value,
    counts: (i64, i64, i64),
}

async fn snapshot(world: &World, case_id: Option<&str>, order_id: &str) -> Snapshot {
    let version = match case_id {
        Some(case_id) => case(world, case_id).await["version"].clone(),
        None => Value::Null,
    };
    Snapshot {
        version,
        ledger: ledger(world, order_id).await,
        counts: world.counts().await,
    }
}

/// The request was refused with `status` and `code`, and nothing changed.
async fn refused(
    world: &World,
    reply: &Reply,
    (status, expected_code): (u16, &str),
    case_id: Option<&str>,
    order_id: &str,
    before: &Snapshot,
) {
    assert_eq!(
        (reply.status, code(reply)),
        (status, Some(expected_code)),
        "{}: {}",
        world.name,
        reply.body
    );
    assert_eq!(
        &snapshot(world, case_id, order_id).await,
        before,
        "{}: a refused request ({expected_code}) changed something",
        world.name
    );
}

/// The field errors of a problem document, as (field, code).
fn field_errors(reply: &Reply) -> Vec<(String, String)> {
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Downloads the label as `who`: status, content type and bytes.
async fn download_label(
    world: &World,
    case_id: &str,
    query: &str,
    who: &Who,
) -> (u16, String, Vec<u8>) {
    let response = world
        .request(
            "GET",
            &format!("/api/v1/cases/{case_id}/return/label{query}"),
            who,
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.unwrap().to_vec();
    (status, content_type, bytes)
}

/// Issues the return's prepaid label by hand: under the statutory policy the buyer pays
/// the return, so none comes with the authorisation.
async fn issue_label(world: &World, case_id: &str, who: &Who) -> Reply {
    let labelled = done(world, case_id, "return/label", who, json!({})).await;
    assert_eq!(labelled.body["case"]["returns"]["stage"], "label_issued");
    labelled
}

/// Authorises, receives `quantity` pulls in `condition` and inspects them as compliant.
async fn authorise_receive_inspect(world: &World, case_id: &str, quantity: u32) {
    done(
        world,
        case_id,
        "return/authorise",
        &Who::MerchantAgent,
        json!({}),
    )
    .await;
    done(
        world,
        case_id,
        "return/receive",
        &Who::MerchantAgent,
        json!({"lines": [{"line_id": "1", "quantity": quantity, "condition": "new"}]}),
    )
    .await;
    let inspected = done(
        world,
        case_id,
        "return/inspect",
        &Who::MerchantAgent,
        json!({"lines": [{"line_id": "1", "compliant": true}]}),
    )
    .await;
    assert_eq!(inspected.body["case"]["returns"]["stage"], "inspected");
}

// ------------------------------------------------------------- lifecycles

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_and_refund_runs_from_request_to_settled_refund() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1A").await;
        set_return_address(&world).await;
        let token = world.buyer_token(&order_id).await;
        let buyer = Who::Buyer(token);

        // The buyer asks; under the law alone it waits for the merchant.
        let opened = open(
            &world,
            &order_id,
            &buyer,
            json!([{"line_id": "1", "quantity": 1}]),
            None,
        )
        .await;
        assert_eq!(opened.status, 201, "{}: {}", world.name, opened.body);
        assert_eq!(types(&opened), ["opened", "return_requested"]);
        let case_id = opened.body["case_id"].as_str().unwrap().to_owned();
        let returns = &opened.body["case"]["returns"];
        assert_eq!(returns["stage"], "requested");
        assert_eq!(
            returns["policy"],
            json!({"source": "statutory", "version": 0})
        );
        assert_eq!(returns["lines"][0]["basis"], "C. conso L221-18");
        assert_eq!(returns["lines"][0]["unit_price"], eur(PULL));
        // C. conso L221-24: the refund is due within 14 days of the request.
        assert!(returns["refund_due_by"].is_string(), "{returns}");
        // Not the whole order: the original delivery is not part of the refund.
        assert!(returns.get("original_shipping").is_none(), "{returns}");

        // Authorised: the RMA number. The buyer pays this return (statutory policy), so no
        // prepaid label comes by itself; the shop chooses to issue one.
        let authorised = done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        assert_eq!(types(&authorised), ["return_authorised"]);
        assert_eq!(authorised.body["case"]["returns"]["stage"], "authorised");
        let authorised = issue_label(&world, &case_id, &Who::MerchantAgent).await;
        assert_eq!(types(&authorised), ["label_issued"]);
        let returns = &authorised.body["case"]["returns"];
        assert_eq!(returns["stage"], "label_issued");
        let rma = returns["rma"].as_str().unwrap();
        assert!(rma.starts_with("RMA-") && rma.len() == 12, "{rma}");
        assert_eq!(
            returns["label"]["attachment"]["content_type"],
            "application/pdf"
        );

        // The buyer downloads it: the A6 label, or an A4 sheet to print at home.
        let (status, content_type, a6) = download_label(&world, &case_id, "", &buyer).await;
        assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
        assert!(a6.starts_with(b"%PDF"), "{}", world.name);
        assert_eq!(
            a6.len() as u64,
            returns["label"]["attachment"]["size_bytes"]
                .as_u64()
                .unwrap()
        );
        let (status, _, a4) = download_label(&world, &case_id, "?size=a4", &buyer).await;
        assert_eq!(status, 200);
        assert!(a4.starts_with(b"%PDF") && a4 != a6);
        // Two files, two names.
        let disposition = |query: &str| {
            let request = world.request(
                "GET",
                &format!("/api/v1/cases/{case_id}/return/label{query}"),
                &buyer,
            );
            async move {
                let response = request.send().await.unwrap();
                response.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let (a6_name, a4_name) = (disposition("").await, disposition("?size=a4").await);
        assert!(a6_name.ends_with(&format!("{rma}.pdf\"")), "{a6_name}");
        assert!(a4_name.ends_with(&format!("{rma}-a4.pdf\"")), "{a4_name}");
        let (status, _, _) = download_label(&world, &case_id, "?size=a3", &buyer).await;
        assert_eq!(status, 422);

        // The carrier's scans: the first is the proof of shipment (L221-24).
        let in_transit = done(
            &world,
            &case_id,
            "return/tracking",
            &Who::MerchantKey,
            scan("in_transit", 120, "EVT-1"),
        )
        .await;
        assert_eq!(types(&in_transit), ["parcel_scanned"]);
        assert_eq!(in_transit.body["case"]["returns"]["stage"], "in_transit");
        assert!(in_transit.body["case"]["returns"]["shipped_at"].is_string());
        let version = in_transit.body["version"].clone();
        // The same carrier event pushed again is recorded once.
        let again = done(
            &world,
            &case_id,
            "return/tracking",
            &Who::MerchantKey,
            scan("in_transit", 120, "EVT-1"),
        )
        .await;
        assert!(types(&again).is_empty(), "{}", again.body);
        assert_eq!(again.body["version"], version);
        let delivered = done(
            &world,
            &case_id,
            "return/tracking",
            &Who::MerchantKey,
            scan("delivered", 30, "EVT-2"),
        )
        .await;
        assert_eq!(delivered.body["case"]["returns"]["stage"], "delivered");
        assert_eq!(
            delivered.body["case"]["returns"]["carrier_events"],
            json!(["EVT-1", "EVT-2"])
        );

        let received = done(
            &world,
            &case_id,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "like_new"}]}),
        )
        .await;
        assert_eq!(received.body["case"]["returns"]["stage"], "received");
        let inspected = done(
            &world,
            &case_id,
            "return/inspect",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "compliant": true}]}),
        )
        .await;
        assert_eq!(inspected.body["case"]["returns"]["stage"], "inspected");

        // The refund the return calls for, executed through the gateway.
        let refunded = done(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        assert_eq!(
            types(&refunded),
            ["refund_recorded", "resolved", "refund_settled"]
        );
        let state = &refunded.body["case"];
        assert_eq!(state["status"], "resolved");
        assert_eq!(
            state["resolution"],
            json!({"kind": "return_and_refund", "amount": eur(PULL)})
        );
        let refund = &state["refunds"][0];
        assert_eq!(
            (
                refund["refund_id"].as_u64(),
                &refund["amount"],
                refund["status"].as_str()
            ),
            (Some(1), &eur(PULL), Some("settled"))
        );
        assert!(
            refund["reference"]
                .as_str()
                .is_some_and(|r| r.starts_with("manual-")),
            "{refund}"
        );
        assert!(refund.get("late").is_none(), "{refund}");
        assert!(refund.get("deductions").is_none(), "{refund}");

        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["captured"], eur(CAPTURED));
        assert_eq!(money["balance"]["refunded"], eur(PULL));
        assert_eq!(money["balance"]["store_credit"], eur(0));
        assert_eq!(money["refundable"], eur(CAPTURED - PULL));
        let entries = money["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{money}");
        assert_eq!(
            (
                &entries[0]["kind"],
                &entries[0]["amount"],
                &entries[0]["case_id"]
            ),
            (&json!("refund"), &eur(PULL), &json!(case_id))
        );
        // The buyer sees the same money.
        let theirs = world
            .get(&format!("/api/v1/orders/{order_id}/ledger"), &buyer)
            .await;
        assert_eq!(theirs.status, 200);
        assert_eq!(theirs.body["balance"]["refunded"], eur(PULL));

        // Resolved: no second refund on this case.
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        let twice = on_case(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        refused(
            &world,
            &twice,
            (409, "case.invalid_status"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawing_from_the_whole_order_refunds_the_original_delivery() {
    for world in worlds().await {
        // The order without the candle: the pulls are all there is.
        let mut body = World::order_body(Some(world.merchant_id), "RET-WHOLE");
        body["order"]["lines"] = json!([body["order"]["lines"][0].clone()]);
        body["order"]["shipments"][0]["lines"] = json!([{"line_id": "1", "quantity": 2}]);
        body["order"]["payment"]["captured_minor"] = json!(2 * PULL + 490);
        let order_id = create_order(&world, &body).await;
        let case_id = open_pulls(&world, &order_id, 2, None).await;
        let state = case(&world, &case_id).await;
        assert_eq!(state["returns"]["original_shipping"], eur(490));
        done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        done(
            &world,
            &case_id,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 2, "condition": "new"}]}),
        )
        .await;
        // C. conso L221-24: the standard delivery comes back with the goods.
        let refunded = done(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        assert_eq!(
            refunded.body["case"]["refunds"][0]["amount"],
            eur(2 * PULL + 490)
        );
        assert_eq!(
            refunded.body["case"]["resolution"]["kind"],
            "return_and_refund"
        );
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["refunded"], eur(2 * PULL + 490));
        assert_eq!(money["refundable"], eur(0));

        // In two returns: the delivery comes back with the one that completes the order.
        let order_id = create_order(&world, &{
            let mut two = body.clone();
            two["order"]["external_id"] = json!("RET-WHOLE-2");
            two
        })
        .await;
        let first = open_pulls(&world, &order_id, 1, None).await;
        assert!(
            case(&world, &first).await["returns"]
                .get("original_shipping")
                .is_none()
        );
        let second = open_pulls(&world, &order_id, 1, None).await;
        assert_eq!(
            case(&world, &second).await["returns"]["original_shipping"],
            eur(490)
        );
        for (case_id, expected) in [(&first, PULL), (&second, PULL + 490)] {
            done(
                &world,
                case_id,
                "return/authorise",
                &Who::MerchantAgent,
                json!({}),
            )
            .await;
            done(
                &world,
                case_id,
                "return/receive",
                &Who::MerchantAgent,
                json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
            )
            .await;
            let refunded = done(&world, case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
            assert_eq!(refunded.body["case"]["refunds"][0]["amount"], eur(expected));
        }
        assert_eq!(ledger(&world, &order_id).await["refundable"], eur(0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspection_deductions_make_a_partial_refund_and_are_itemised() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1B").await;
        let case_id = open_pulls(&world, &order_id, 2, None).await;

        // No return address: the return is authorised, without a label.
        let authorised = done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        assert_eq!(types(&authorised), ["return_authorised"]);
        assert_eq!(authorised.body["case"]["returns"]["stage"], "authorised");
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        let label = on_case(
            &world,
            &case_id,
            "return/label",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        refused(
            &world,
            &label,
            (422, "label.return_address_missing"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;
        // Nothing to inspect before the parcel is counted.
        let early = on_case(
            &world,
            &case_id,
            "return/inspect",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "compliant": true}]}),
        )
        .await;
        refused(
            &world,
            &early,
            (409, "return.invalid_stage"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;

        done(
            &world,
            &case_id,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 2, "condition": "used"}]}),
        )
        .await;
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        for (lines, expected) in [
            (
                json!([{"line_id": "1", "compliant": true,
                        "deductions": [{"label": "Taches", "amount": eur(1000)}]}]),
                "return.deductions_on_compliant",
            ),
            (
                json!([{"line_id": "1", "compliant": false,
                        "deductions": [{"label": "Taches", "amount": eur(2 * PULL + 1)}]}]),
                "return.deductions_exceed_value",
            ),
            (
                json!([{"line_id": "1", "compliant": false,
                        "deductions": [{"label": "Taches", "amount": eur(-1000)}]}]),
                "money.not_positive",
            ),
            (
                json!([{"line_id": "2", "compliant": true}]),
                "return.line_not_received",
            ),
        ] {
            let reply = on_case(
                &world,
                &case_id,
                "return/inspect",
                &Who::MerchantAgent,
                json!({ "lines": lines }),
            )
            .await;
            refused(
                &world,
                &reply,
                (422, expected),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
        }

        let inspected = done(
            &world,
            &case_id,
            "return/inspect",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "compliant": false,
                              "deductions": [{"label": "Taches sur la manche", "amount": eur(1000)}]}]}),
        )
        .await;
        assert_eq!(inspected.body["case"]["returns"]["stage"], "inspected");

        // 90.00 € back, less 10.00 € found at inspection, less 5.00 € kept by the merchant.
        let refunded = done(
            &world,
            &case_id,
            "refunds",
            &Who::MerchantAdmin,
            json!({"deductions": [{"label": "Étiquette manquante", "amount": eur(500)}]}),
        )
        .await;
        let state = &refunded.body["case"];
        let refund = &state["refunds"][0];
        assert_eq!(refund["amount"], eur(2 * PULL - 1000 - 500));
        assert_eq!(
            refund["deductions"],
            json!([{"label": "Taches sur la manche", "amount": eur(1000)},
                   {"label": "Étiquette manquante", "amount": eur(500)}])
        );
        assert_eq!(refund["status"], "settled");
        assert_eq!(
            state["resolution"],
            json!({"kind": "partial_refund", "amount": eur(2 * PULL - 1500)})
        );
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["refunded"], eur(2 * PULL - 1500));
        assert_eq!(money["refundable"], eur(CAPTURED - (2 * PULL - 1500)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_credit_carries_the_policy_bonus() {
    for world in worlds().await {
        let version = publish_backdated(&world, &generous_policy()).await;
        let order_id = world.order_at(world.merchant_id, "RET-1C").await;
        let case_id = open_pulls(&world, &order_id, 1, Some("store_credit")).await;
        let state = case(&world, &case_id).await;
        let returns = &state["returns"];
        assert_eq!(
            returns["policy"],
            json!({"source": "merchant", "version": version})
        );
        assert_eq!(returns["preferred"], "store_credit");
        assert_eq!(returns["store_credit_bonus_percent"], 10);
        assert_eq!(
            returns["allowed_resolutions"],
            json!(["return_and_refund", "store_credit", "exchange"])
        );
        // Asked within the law's 14 days: a withdrawal, whatever the policy adds after them
        // (so the L221-24 refund deadline runs and no restocking fee applies).
        assert_eq!(returns["lines"][0]["basis"], "C. conso L221-18");
        assert!(returns["refund_due_by"].is_string(), "{returns}");
        authorise_receive_inspect(&world, &case_id, 1).await;

        let credited = done(
            &world,
            &case_id,
            "store-credit",
            &Who::MerchantAdmin,
            json!({}),
        )
        .await;
        assert_eq!(types(&credited), ["store_credit_issued", "resolved"]);
        let state = &credited.body["case"];
        assert_eq!(
            state["store_credit"],
            json!({"amount": eur(PULL), "bonus": eur(450)})
        );
        assert_eq!(
            state["resolution"],
            json!({"kind": "store_credit", "amount": eur(PULL), "bonus_percent": 10})
        );
        assert!(state.get("refunds").is_none(), "{state}");
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["store_credit"], eur(PULL));
        assert_eq!(money["balance"]["store_credit_bonus"], eur(450));
        assert_eq!(money["balance"]["refunded"], eur(0));
        // Store credit is given instead of a refund: it counts against what remains.
        assert_eq!(money["refundable"], eur(CAPTURED - PULL));
        assert_eq!(
            money["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["kind"].clone(), e["amount"].clone()))
                .collect::<Vec<_>>(),
            [(json!("store_credit"), eur(PULL))]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_settles_the_price_difference_both_ways() {
    for world in worlds().await {
        publish_backdated(&world, &generous_policy()).await;
        let order_id = world.order_at(world.merchant_id, "RET-1D").await;
        let dearer = open_pulls(&world, &order_id, 1, Some("exchange")).await;
        let cheaper = open_pulls(&world, &order_id, 1, Some("exchange")).await;
        for case_id in [&dearer, &cheaper] {
            done(
                &world,
                case_id,
                "return/authorise",
                &Who::MerchantAgent,
                json!({}),
            )
            .await;
        }

        let before = snapshot(&world, Some(&dearer), &order_id).await;
        for (lines, expected) in [
            (
                json!([{"line_id": "2", "quantity": 1, "sku": "BOUGIE-2", "title": "Bougie", "unit_price": eur(1990)}]),
                "return.line_not_in_return",
            ),
            (
                json!([{"line_id": "1", "quantity": 2, "sku": "PULL-L", "title": "Pull en laine (L)", "unit_price": eur(PULL)}]),
                "exchange.quantity_exceeds_return",
            ),
            (
                json!([{"line_id": "1", "quantity": 1, "sku": "PULL-L", "title": "Pull en laine (L)",
                        "unit_price": {"amount_minor": 4500, "currency": "CHF"}}]),
                "money.currency_mismatch",
            ),
            (json!([]), "exchange.lines_required"),
        ] {
            let reply = on_case(
                &world,
                &dearer,
                "exchange",
                &Who::MerchantAdmin,
                json!({ "lines": lines }),
            )
            .await;
            refused(
                &world,
                &reply,
                (422, expected),
                Some(&dearer),
                &order_id,
                &before,
            )
            .await;
        }

        // A dearer pull: the buyer owes the difference.
        let exchanged = done(
            &world,
            &dearer,
            "exchange",
            &Who::MerchantAdmin,
            json!({"lines": [{"line_id": "1", "quantity": 1, "sku": "PULL-CACHEMIRE-M",
                              "title": "Pull en cachemire", "unit_price": eur(5500)}]}),
        )
        .await;
        assert_eq!(types(&exchanged), ["exchange_recorded", "resolved"]);
        let state = &exchanged.body["case"];
        assert_eq!(state["exchange"]["difference"], eur(1000));
        assert_eq!(state["resolution"], json!({"kind": "exchange"}));
        assert!(state.get("refunds").is_none(), "{state}");
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["due_from_buyer"], eur(1000));
        assert_eq!(money["balance"]["refunded"], eur(0));
        assert_eq!(money["refundable"], eur(CAPTURED));

        // A cheaper one: the difference is refunded to the buyer.
        let exchanged = done(
            &world,
            &cheaper,
            "exchange",
            &Who::MerchantAdmin,
            json!({"lines": [{"line_id": "1", "quantity": 1, "sku": "PULL-COTON-M",
                              "title": "Pull en coton", "unit_price": eur(3900)}]}),
        )
        .await;
        let state = &exchanged.body["case"];
        assert_eq!(state["exchange"]["difference"], eur(-600));
        assert_eq!(state["resolution"], json!({"kind": "exchange"}));
        assert_eq!(state["refunds"][0]["amount"], eur(600));
        assert_eq!(state["refunds"][0]["status"], "settled");
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["due_from_buyer"], eur(1000));
        assert_eq!(money["balance"]["refunded"], eur(600));
        assert_eq!(money["refundable"], eur(CAPTURED - 600));
        let kinds: Vec<_> = money["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["kind"].clone(), e["amount"].clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                (json!("due_from_buyer"), eur(1000)),
                (json!("refund"), eur(600))
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goodwill_voucher_comes_on_top_of_a_resolution() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1E").await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        authorise_receive_inspect(&world, &case_id, 1).await;
        done(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;

        let before = snapshot(&world, Some(&case_id), &order_id).await;
        let negative = on_case(
            &world,
            &case_id,
            "compensation",
            &Who::OperatorAdmin,
            json!({"kind": "voucher", "amount": eur(-500)}),
        )
        .await;
        refused(
            &world,
            &negative,
            (422, "money.not_positive"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;

        // A voucher for the wait, on the resolved case: it stays resolved as it was.
        let voucher = done(
            &world,
            &case_id,
            "compensation",
            &Who::OperatorAdmin,
            json!({"kind": "voucher", "amount": eur(500), "note": "Avec nos excuses pour l’attente"}),
        )
        .await;
        assert_eq!(types(&voucher), ["compensation_recorded"]);
        let state = &voucher.body["case"];
        assert_eq!(state["status"], "resolved");
        assert_eq!(state["resolution"]["kind"], "return_and_refund");
        assert_eq!(
            state["compensations"],
            json!([{"kind": "voucher", "amount": eur(500)}])
        );
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["compensation"], eur(500));
        assert_eq!(money["balance"]["refunded"], eur(PULL));
        // A gesture is on top: it does not use up what remains refundable.
        assert_eq!(money["refundable"], eur(CAPTURED - PULL));

        // A gesture may also be the resolution itself.
        let other = open_pulls(&world, &order_id, 1, None).await;
        let gesture = done(
            &world,
            &other,
            "compensation",
            &Who::MerchantAdmin,
            json!({"kind": "shipping_refund", "amount": eur(490), "resolve": true}),
        )
        .await;
        assert_eq!(
            gesture.body["case"]["resolution"],
            json!({"kind": "goodwill", "amount": eur(490), "goodwill": "shipping_refund"})
        );
        assert_eq!(
            ledger(&world, &order_id).await["balance"]["compensation"],
            eur(990)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returnless_refund_needs_nothing_back() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1F").await;
        set_return_address(&world).await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        let authorised = done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({"returnless": true}),
        )
        .await;
        // The buyer keeps the pull: no label.
        assert_eq!(types(&authorised), ["return_authorised"]);
        let returns = &authorised.body["case"]["returns"];
        assert_eq!(
            (&returns["stage"], &returns["returnless"]),
            (&json!("authorised"), &json!(true))
        );

        let before = snapshot(&world, Some(&case_id), &order_id).await;
        let receive = on_case(
            &world,
            &case_id,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
        )
        .await;
        refused(
            &world,
            &receive,
            (422, "return.returnless"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;
        let label = on_case(
            &world,
            &case_id,
            "return/label",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        refused(
            &world,
            &label,
            (422, "label.returnless"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;

        let refunded = done(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        let state = &refunded.body["case"];
        assert_eq!(state["refunds"][0]["amount"], eur(PULL));
        assert_eq!(state["refunds"][0]["status"], "settled");
        assert_eq!(
            state["resolution"],
            json!({"kind": "return_and_refund", "amount": eur(PULL)})
        );
        assert_eq!(
            ledger(&world, &order_id).await["balance"]["refunded"],
            eur(PULL)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_states_its_ground_and_frees_the_line() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1G").await;
        let case_id = open_pulls(&world, &order_id, 2, None).await;
        let ground = "Articles portés et lavés : hors conditions de retour";
        let refused_reply = done(
            &world,
            &case_id,
            "return/refuse",
            &Who::MerchantAdmin,
            json!({ "ground": ground }),
        )
        .await;
        assert_eq!(types(&refused_reply), ["return_refused"]);
        let state = &refused_reply.body["case"];
        assert_eq!(state["status"], "resolved");
        assert_eq!(state["returns"]["stage"], "refused");
        assert_eq!(
            state["resolution"],
            json!({"kind": "refusal", "note": ground})
        );

        // Refused is final for this case: no authorisation, no money.
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        for (path, body) in [
            ("return/authorise", json!({})),
            ("refunds", json!({"amount": eur(PULL)})),
            ("store-credit", json!({"amount": eur(PULL)})),
        ] {
            let reply = on_case(&world, &case_id, path, &Who::MerchantAdmin, body).await;
            refused(
                &world,
                &reply,
                (409, "case.invalid_status"),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
        }
        assert_eq!(
            ledger(&world, &order_id).await["balance"]["refunded"],
            eur(0)
        );

        // A refused return does not hold the line: the buyer may ask again.
        let answer = eligibility(&world, &order_id, &Who::MerchantAgent).await;
        assert_eq!(line(&answer, "1")["returnable_quantity"], 2);
        let again = open_pulls(&world, &order_id, 2, None).await;
        // Once the label is out, the return is refused only after inspection.
        set_return_address(&world).await;
        done(
            &world,
            &again,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        let before = snapshot(&world, Some(&again), &order_id).await;
        let early = on_case(
            &world,
            &again,
            "return/refuse",
            &Who::MerchantAdmin,
            json!({"ground": "Trop tard"}),
        )
        .await;
        refused(
            &world,
            &early,
            (409, "return.invalid_stage"),
            Some(&again),
            &order_id,
            &before,
        )
        .await;
        let blank = on_case(
            &world,
            &again,
            "return/refuse",
            &Who::MerchantAdmin,
            json!({"ground": "  "}),
        )
        .await;
        assert_eq!(blank.status, 422, "{}", blank.body);
        assert_eq!(snapshot(&world, Some(&again), &order_id).await, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyer_cancels_before_shipping() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1H").await;
        set_return_address(&world).await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = open_pulls(&world, &order_id, 2, None).await;
        let authorised = done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        assert_eq!(authorised.body["case"]["returns"]["stage"], "authorised");
        issue_label(&world, &case_id, &Who::MerchantAgent).await;

        let cancelled = done(
            &world,
            &case_id,
            "cancel",
            &buyer,
            json!({"reason": "Finalement je garde les pulls"}),
        )
        .await;
        assert_eq!(types(&cancelled), ["cancelled"]);
        assert_eq!(cancelled.body["case"]["status"], "cancelled");

        // Nothing moves on a cancelled return.
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        for (path, body) in [
            ("return/tracking", scan("in_transit", 10, "EVT-LATE")),
            ("refunds", json!({})),
        ] {
            let reply = on_case(&world, &case_id, path, &Who::MerchantAdmin, body).await;
            refused(
                &world,
                &reply,
                (409, "case.invalid_status"),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
        }
        // And the pulls are returnable again.
        let answer = eligibility(&world, &order_id, &buyer).await;
        assert_eq!(line(&answer, "1")["returnable_quantity"], 2);

        // Once the goods are back, the buyer can no longer cancel.
        let back = open_pulls(&world, &order_id, 1, None).await;
        done(
            &world,
            &back,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        done(
            &world,
            &back,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
        )
        .await;
        let before = snapshot(&world, Some(&back), &order_id).await;
        let late = on_case(
            &world,
            &back,
            "cancel",
            &buyer,
            json!({"reason": "Je préfère le garder"}),
        )
        .await;
        refused(
            &world,
            &late,
            (409, "return.invalid_stage"),
            Some(&back),
            &order_id,
            &before,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_parcel_is_refunded() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-1I").await;
        set_return_address(&world).await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        issue_label(&world, &case_id, &Who::MerchantAgent).await;
        done(
            &world,
            &case_id,
            "return/tracking",
            &Who::MerchantKey,
            scan("in_transit", 600, "EVT-A"),
        )
        .await;
        let lost = done(
            &world,
            &case_id,
            "return/tracking",
            &Who::MerchantKey,
            scan("lost", 5, "EVT-B"),
        )
        .await;
        let returns = &lost.body["case"]["returns"];
        assert_eq!(returns["stage"], "lost");
        assert_eq!(returns["last_scan"]["status"], "lost");

        let refunded = done(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        let state = &refunded.body["case"];
        assert_eq!(state["refunds"][0]["amount"], eur(PULL));
        assert_eq!(state["refunds"][0]["status"], "settled");
        assert_eq!(state["resolution"]["kind"], "return_and_refund");
        assert_eq!(
            ledger(&world, &order_id).await["balance"]["refunded"],
            eur(PULL)
        );
    }
}

// -------------------------------------------------------------- bad input

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_return_requests_are_refused_with_stable_codes_and_change_nothing() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-BAD").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let before = snapshot(&world, None, &order_id).await;
        for (items, preferred, expected, field) in [
            (
                json!([{"line_id": "9", "quantity": 1}]),
                None,
                "case.unknown_line",
                "items[0].line_id",
            ),
            (
                json!([{"line_id": "1", "quantity": 3}]),
                None,
                "case.quantity_exceeds_order",
                "items[0].quantity",
            ),
            (
                json!([{"line_id": "1", "quantity": 1}]),
                Some("store_credit"),
                "return.resolution_not_allowed",
                "preferred_resolution",
            ),
            (json!([]), None, "case.items_required", "items"),
        ] {
            let reply = open(&world, &order_id, &buyer, items, preferred).await;
            refused(&world, &reply, (422, expected), None, &order_id, &before).await;
            assert_eq!(
                field_errors(&reply),
                [(field.to_owned(), expected.to_owned())],
                "{}",
                reply.body
            );
        }

        // Two returns take both pulls; a third finds none left.
        open_pulls(&world, &order_id, 1, None).await;
        open_pulls(&world, &order_id, 1, None).await;
        let before = snapshot(&world, None, &order_id).await;
        let third = open(
            &world,
            &order_id,
            &buyer,
            json!([{"line_id": "1", "quantity": 1}]),
            None,
        )
        .await;
        refused(
            &world,
            &third,
            (422, "return.already_returned"),
            None,
            &order_id,
            &before,
        )
        .await;
        let answer = eligibility(&world, &order_id, &buyer).await;
        let pulls = line(&answer, "1");
        assert_eq!(
            (&pulls["eligible"], &pulls["returnable_quantity"]),
            (&json!(false), &json!(0))
        );
        assert_eq!(pulls["why"], "Already returned in full.");
        // The sentence is in the caller's language.
        let french = World::send(
            world
                .request(
                    "GET",
                    &format!("/api/v1/orders/{order_id}/eligibility"),
                    &buyer,
                )
                .header("accept-language", "fr-FR,fr;q=0.9"),
        )
        .await;
        assert_eq!(line(&french.body, "1")["why"], "Déjà retourné en totalité.");

        // One pull delivered, the other still on its way: one can come back.
        let mut body = World::order_body(Some(world.merchant_id), "RET-PARTIAL");
        body["order"]["shipments"][0]["lines"] =
            json!([{"line_id": "1", "quantity": 1}, {"line_id": "2", "quantity": 1}]);
        body["order"]["shipments"]
            .as_array_mut()
            .unwrap()
            .push(json!({"carrier": "Colissimo", "tracking_number": "6A124",
                         "shipped_at": days_ago(1), "lines": [{"line_id": "1", "quantity": 1}]}));
        let partial = create_order(&world, &body).await;
        let buyer = Who::Buyer(world.buyer_token(&partial).await);
        let before = snapshot(&world, None, &partial).await;
        let two = open(
            &world,
            &partial,
            &buyer,
            json!([{"line_id": "1", "quantity": 2}]),
            None,
        )
        .await;
        refused(
            &world,
            &two,
            (422, "return.quantity_exceeds_delivered"),
            None,
            &partial,
            &before,
        )
        .await;

        // Delivered 20 days ago, under the law alone: the 14 days are over.
        let old = create_order(
            &world,
            &order_delivered_days_ago(world.merchant_id, "RET-OLD", 20),
        )
        .await;
        let buyer = Who::Buyer(world.buyer_token(&old).await);
        let before = snapshot(&world, None, &old).await;
        let late = open(
            &world,
            &old,
            &buyer,
            json!([{"line_id": "1", "quantity": 1}]),
            None,
        )
        .await;
        refused(
            &world,
            &late,
            (422, "return.window_closed"),
            None,
            &old,
            &before,
        )
        .await;
        let answer = eligibility(&world, &old, &buyer).await;
        assert_eq!(line(&answer, "1")["eligible"], false);
        assert_eq!(line(&answer, "1")["why"], "The return period is over.");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_personalised_line_is_not_returnable_under_the_law_alone() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-CANDLE").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        // No policy anywhere: the law alone, which excludes personalised goods (L221-28 3°).
        let answer = eligibility(&world, &order_id, &buyer).await;
        assert_eq!(
            answer["policy"],
            json!({"source": "statutory", "version": 0})
        );
        let candle = line(&answer, "2");
        assert_eq!(candle["exception"], "personalised, C. conso L221-28 3°");
        assert_eq!(
            (&candle["eligible"], &candle["returnable_quantity"]),
            (&json!(false), &json!(0)),
            "{}: {candle}",
            world.name
        );
        let before = snapshot(&world, None, &order_id).await;
        let reply = open(
            &world,
            &order_id,
            &buyer,
            json!([{"line_id": "2", "quantity": 1}]),
            None,
        )
        .await;
        refused(
            &world,
            &reply,
            (422, "return.not_returnable"),
            None,
            &order_id,
            &before,
        )
        .await;
        assert!(
            reply.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("L221-28")),
            "{}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_money_is_refused_and_changes_nothing() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-MONEY").await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;

        // Before the authorisation: no label, no money.
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        let label = on_case(
            &world,
            &case_id,
            "return/label",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        refused(
            &world,
            &label,
            (422, "label.return_not_authorised"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;
        let early = on_case(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        refused(
            &world,
            &early,
            (409, "return.invalid_stage"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;
        let receive = on_case(
            &world,
            &case_id,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
        )
        .await;
        refused(
            &world,
            &receive,
            (409, "return.invalid_stage"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;

        done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        let usd = json!({"amount_minor": 1000, "currency": "USD"});
        for (path, body, expected, field) in [
            (
                "refunds",
                json!({"amount": eur(-100)}),
                "money.not_positive",
                "amount.amount_minor",
            ),
            (
                "refunds",
                json!({"amount": eur(0)}),
                "money.not_positive",
                "amount.amount_minor",
            ),
            (
                "refunds",
                json!({ "amount": usd }),
                "money.currency_mismatch",
                "amount.currency",
            ),
            (
                "refunds",
                json!({"amount": eur(PULL + 1)}),
                "refund.exceeds_case_value",
                "amount.amount_minor",
            ),
            (
                "refunds",
                json!({"deductions": [{"label": "Frais", "amount": eur(-5)}]}),
                "money.not_positive",
                "deductions[0].amount.amount_minor",
            ),
            (
                "refunds",
                json!({"deductions": [{"label": "Frais", "amount": usd}]}),
                "money.currency_mismatch",
                "deductions[0].amount.currency",
            ),
            (
                "store-credit",
                json!({ "amount": usd }),
                "money.currency_mismatch",
                "amount.currency",
            ),
            (
                "store-credit",
                json!({"amount": eur(PULL + 1)}),
                "refund.exceeds_case_value",
                "amount.amount_minor",
            ),
            (
                "store-credit",
                json!({"bonus_percent": 101}),
                "resolution.bonus_too_large",
                "bonus_percent",
            ),
            (
                "compensation",
                json!({"kind": "voucher", "amount": eur(-500)}),
                "money.not_positive",
                "amount.amount_minor",
            ),
            (
                "compensation",
                json!({"kind": "gift", "amount": usd}),
                "money.currency_mismatch",
                "amount.currency",
            ),
        ] {
            let reply = on_case(&world, &case_id, path, &Who::MerchantAdmin, body.clone()).await;
            refused(
                &world,
                &reply,
                (422, expected),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
            assert_eq!(
                field_errors(&reply),
                [(field.to_owned(), expected.to_owned())],
                "{path} {body}"
            );
        }

        // What remains refundable is the limit, to the cent. The first refund was
        // made by the merchant outside amiable: recorded with its reference.
        let outside = done(
            &world,
            &case_id,
            "refunds",
            &Who::MerchantAdmin,
            json!({"amount": eur(PULL), "resolve": false, "reference": "PSP-REF-42"}),
        )
        .await;
        let first = &outside.body["case"]["refunds"][0];
        assert_eq!(
            (&first["status"], &first["reference"], &first["gateway"]),
            (&json!("settled"), &json!("PSP-REF-42"), &json!("manual"))
        );
        assert_eq!(outside.body["case"]["status"], "open");
        // This return gave back all it is worth; the order's limit is tried from an incident
        // on the same order, which may give back up to the order total.
        let over_case = on_case(
            &world,
            &case_id,
            "refunds",
            &Who::MerchantAdmin,
            json!({"amount": eur(1), "resolve": false}),
        )
        .await;
        assert_eq!(code(&over_case), Some("refund.exceeds_case_value"));
        let incident = world.case_on(&order_id, &Who::MerchantAdmin).await;
        let before = snapshot(&world, Some(&incident), &order_id).await;
        let over = on_case(
            &world,
            &incident,
            "refunds",
            &Who::MerchantAdmin,
            json!({"amount": eur(CAPTURED - PULL + 1), "resolve": false}),
        )
        .await;
        refused(
            &world,
            &over,
            (422, "refund.exceeds_refundable"),
            Some(&incident),
            &order_id,
            &before,
        )
        .await;
        let rest = done(
            &world,
            &incident,
            "refunds",
            &Who::MerchantAdmin,
            json!({"amount": eur(CAPTURED - PULL), "resolve": false}),
        )
        .await;
        assert_eq!(rest.body["case"]["refunds"][0]["refund_id"], 1);
        assert!(rest.body["case"]["refunds"][0]["reference"].is_string());
        let money = ledger(&world, &order_id).await;
        assert_eq!(money["balance"]["refunded"], eur(CAPTURED));
        assert_eq!(money["refundable"], eur(0));

        // Settling or failing a refund that is not pending changes nothing.
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        for path in ["refunds/1/settle", "refunds/1/fail"] {
            let body = if path.ends_with("settle") {
                json!({"reference": "PSP-1"})
            } else {
                json!({"error": "card expired"})
            };
            let reply = on_case(&world, &case_id, path, &Who::MerchantAdmin, body).await;
            refused(
                &world,
                &reply,
                (422, "refund.not_pending"),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
        }
        let missing = on_case(
            &world,
            &case_id,
            "refunds/0/settle",
            &Who::MerchantAdmin,
            json!({"reference": "PSP-1"}),
        )
        .await;
        refused(
            &world,
            &missing,
            (404, "refund.not_found"),
            Some(&case_id),
            &order_id,
            &before,
        )
        .await;
    }
}

// ------------------------------------------------------------ concurrency

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refunds_never_exceed_what_was_captured() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-RACE").await;
        // Two incidents on one order: each may give back up to the order total, so only
        // the order's ledger stands between them and refunding more than was captured.
        let cases = [
            world.case_on(&order_id, &Who::MerchantAdmin).await,
            world.case_on(&order_id, &Who::MerchantAdmin).await,
        ];
        // Ten refunds of 60.00 € at once, over the two cases: 114.80 € was captured.
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..10 {
            let case_id = &cases[i % 2];
            let who = if i % 3 == 0 {
                Who::MerchantKey
            } else {
                Who::MerchantAdmin
            };
            let builder = world
                .request("POST", &format!("/api/v1/cases/{case_id}/refunds"), &who)
                .json(&json!({"amount": eur(6000), "resolve": false}));
            tasks.spawn(World::send(builder));
        }
        let replies = tasks.join_all().await;
        let mut refunded = 0;
        for reply in &replies {
            match (reply.status, code(reply)) {
                (200, _) => refunded += 6000,
                (422, Some("refund.exceeds_refundable" | "refund.exceeds_case_value"))
                | (409, _) => {}
                other => panic!("{}: unexpected {other:?}: {}", world.name, reply.body),
            }
        }
        assert!(refunded <= CAPTURED, "{}: {refunded} refunded", world.name);
        assert_eq!(refunded, 6000, "{}: exactly one refund fits", world.name);

        let money = ledger(&world, &order_id).await;
        assert_eq!(
            money["balance"]["refunded"],
            eur(refunded),
            "{}",
            world.name
        );
        assert_eq!(money["refundable"], eur(CAPTURED - refunded));
        let entries: i64 = money["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "refund")
            .map(|e| e["amount"]["amount_minor"].as_i64().unwrap())
            .sum();
        assert_eq!(entries, refunded);
        // The cases agree with the ledger, and every recorded refund was settled.
        let mut on_cases = 0;
        for case_id in &cases {
            let state = case(&world, case_id).await;
            for refund in state["refunds"].as_array().into_iter().flatten() {
                assert_eq!(refund["status"], "settled", "{refund}");
                on_cases += refund["amount"]["amount_minor"].as_i64().unwrap();
            }
        }
        assert_eq!(on_cases, refunded);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_return_requests_never_take_more_than_was_delivered() {
    // Every backend runs before the verdict, so a failure says which ones are wrong.
    let mut wrong = Vec::new();
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-RUSH").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        // Six requests for one pull each, at once: two pulls were delivered.
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let builder = world.request("POST", "/api/v1/cases", &buyer).json(&json!({
                "order_id": order_id, "kind": "return", "reason": "changed_mind",
                "items": [{"line_id": "1", "quantity": 1}], "description": "Trop petit."}));
            tasks.spawn(World::send(builder));
        }
        let replies = tasks.join_all().await;
        let mut opened = 0;
        for reply in &replies {
            match (reply.status, code(reply)) {
                (201, _) => opened += 1,
                (422, Some("return.already_returned")) | (409, _) => {}
                other => panic!("{}: unexpected {other:?}: {}", world.name, reply.body),
            }
        }
        let listed = world
            .get(
                &format!("/api/v1/cases?order_id={order_id}"),
                &Who::OperatorAdmin,
            )
            .await;
        let pulls: u64 = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["items"][0]["quantity"].as_u64().unwrap_or(1))
            .sum();
        if (opened, pulls) != (2, 2) {
            wrong.push(format!(
                "{}: {opened} returns opened, {pulls} pulls taken, for 2 delivered",
                world.name
            ));
        }
        let answer = eligibility(&world, &order_id, &buyer).await;
        assert_eq!(line(&answer, "1")["returnable_quantity"], 0);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_refund_with_the_same_idempotency_key_pays_once() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-RETRY").await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        let path = format!("/api/v1/cases/{case_id}/refunds");
        let body = json!({"amount": eur(2000), "resolve": false});
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..3 {
            let builder = world
                .request("POST", &path, &Who::MerchantAdmin)
                .header("idempotency-key", "refund-ret-retry-1")
                .json(&body);
            tasks.spawn(World::send(builder));
        }
        for reply in tasks.join_all().await {
            assert_eq!(reply.status, 200, "{}: {}", world.name, reply.body);
        }
        let state = case(&world, &case_id).await;
        assert_eq!(
            state["refunds"].as_array().map(Vec::len),
            Some(1),
            "{state}"
        );
        assert_eq!(
            ledger(&world, &order_id).await["balance"]["refunded"],
            eur(2000)
        );
    }
}

// ------------------------------------------------------------------ label

fn installed(tool: &str) -> bool {
    std::process::Command::new(tool).arg("-v").output().is_ok()
}

fn run(tool: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_the_buyer_downloads_scans_back_to_the_rma() {
    let tools = ["pdftoppm", "zbarimg"];
    let missing = tools.iter().find(|tool| !installed(tool));
    if let Some(missing) = missing {
        if std::env::var("AMIABLE_REQUIRE_LABEL_TOOLS").as_deref() == Ok("1") {
            panic!("{missing} is not installed and AMIABLE_REQUIRE_LABEL_TOOLS=1");
        }
        eprintln!("skipped: pdftoppm/zbarimg not installed ({missing} is missing)");
    }
    let public = "https://litiges.exemple.fr";
    for world in worlds_with(|config| config.public_url = Some(public.to_owned())).await {
        let order_id = world.order_at(world.merchant_id, "RET-LABEL").await;
        set_return_address(&world).await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        let authorised = done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        issue_label(&world, &case_id, &Who::MerchantAgent).await;
        let rma = authorised.body["case"]["returns"]["rma"]
            .as_str()
            .unwrap()
            .to_owned();
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let (status, content_type, pdf) = download_label(&world, &case_id, "", &buyer).await;
        assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
        assert!(pdf.starts_with(b"%PDF"));
        // The same bytes every time: the A6 is the stored attachment.
        assert_eq!(download_label(&world, &case_id, "", &buyer).await.2, pdf);
        if missing.is_some() {
            continue;
        }
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("label.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let prefix = directory.path().join("label");
        run(
            "pdftoppm",
            &[
                "-r",
                "200",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                file.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let png = directory.path().join("label-1.png");
        let png = png.to_str().unwrap();
        let code128 = run(
            "zbarimg",
            &["--quiet", "--raw", "-Sdisable", "-Scode128.enable", png],
        );
        assert_eq!(
            code128.lines().collect::<Vec<_>>(),
            [rma.as_str()],
            "{}",
            world.name
        );
        let qr = run(
            "zbarimg",
            &["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png],
        );
        // The QR code opens the return's page for the buyer, on a phone.
        assert_eq!(
            qr.trim_end(),
            format!("{public}/suivi/dossier/{case_id}"),
            "{}",
            world.name
        );
    }
}

// --------------------------------------------------------------- policies

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_versions_are_kept_and_an_order_keeps_the_one_it_was_placed_under() {
    for world in worlds().await {
        let path = format!("/api/v1/merchants/{}/return-policy", world.merchant_id);
        let empty = world.get(&path, &Who::MerchantAgent).await;
        assert_eq!(empty.status, 200, "{}", empty.body);
        assert_eq!(empty.body["current"], Value::Null);
        assert_eq!(
            empty.body["in_force"],
            json!({"source": "statutory", "version": 0})
        );

        let first = publish_backdated(&world, &generous_policy()).await;
        assert_eq!(first, 1);
        let order_id = world.order_at(world.merchant_id, "RET-V1").await;
        let mut second = generous_policy();
        second["window_days"] = json!(45);
        let published = publish_policy(&world, &second).await;
        assert_eq!(published.status, 201, "{}", published.body);
        assert_eq!(published.body["version"], 2);
        assert_eq!(published.body["policy"]["window_days"], 45);

        let history = world.get(&path, &Who::MerchantAgent).await;
        assert_eq!(history.status, 200);
        let versions: Vec<_> = history.body["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["version"].clone(), v["policy"]["window_days"].clone()))
            .collect();
        assert_eq!(versions, [(json!(2), json!(45)), (json!(1), json!(30))]);
        assert_eq!(history.body["current"]["version"], 2);
        assert_eq!(
            history.body["in_force"],
            json!({"source": "merchant", "version": 2})
        );

        // The order placed under version 1 keeps it.
        let answer = eligibility(&world, &order_id, &Who::MerchantAgent).await;
        assert_eq!(
            answer["policy"],
            json!({"source": "merchant", "version": 1})
        );
        assert_eq!(answer["store_credit_bonus_percent"], 10);
        assert_eq!(answer["condition_rules"], "Non porté, avec ses étiquettes.");

        // Invalid policies and callers who may not publish change nothing.
        let mut invalid = generous_policy();
        invalid["window_days"] = json!(0);
        invalid["allowed_resolutions"] = json!([]);
        let reply = publish_policy(&world, &invalid).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(
            field_errors(&reply),
            [
                ("window_days".to_owned(), "policy.window_invalid".to_owned()),
                (
                    "allowed_resolutions".to_owned(),
                    "policy.no_resolution".to_owned()
                )
            ]
        );
        let mut dollars = generous_policy();
        dollars["returnless_below"] = json!({"amount_minor": 1000, "currency": "USD"});
        let reply = publish_policy(&world, &dollars).await;
        assert_eq!(
            (reply.status, code(&reply)),
            (422, Some("money.currency_mismatch"))
        );
        for (who, status) in [
            (Who::MerchantAgent, 403),
            (Who::Mediator, 403),
            (Who::Buyer(world.buyer_token(&order_id).await), 403),
            (Who::OtherOperatorAdmin, 404),
        ] {
            let reply = world.post(&path, &who, &generous_policy()).await;
            assert_eq!(reply.status, status, "{who:?}: {}", reply.body);
        }
        let other = format!(
            "/api/v1/merchants/{}/return-policy",
            world.other_merchant_id
        );
        let reply = world
            .post(&other, &Who::MerchantAdmin, &generous_policy())
            .await;
        assert_eq!(
            (reply.status, code(&reply)),
            (404, Some("merchant.not_found"))
        );
        let after = world.get(&path, &Who::MerchantAdmin).await;
        assert_eq!(after.body["versions"].as_array().unwrap().len(), 2);
    }
}

/// The marketplace's minimum: 30 days, free returns, refund or store credit.
fn minimum_policy() -> Value {
    json!({
        "window_days": 30,
        "return_shipping": "merchant",
        "allowed_resolutions": ["return_and_refund", "store_credit"],
        "label_expiry_days": 14
    })
}

/// Everything a merchant could undercut at once.
fn stingy_policy() -> Value {
    json!({
        "window_days": 14,
        "return_shipping": "buyer",
        "restocking_fee": {"kind": "percent", "percent": 10},
        "non_returnable_categories": ["vêtements"],
        "allowed_resolutions": ["return_and_refund"],
        "label_expiry_days": 14
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_minimum_blocks_an_undercutting_merchant_policy() {
    for world in worlds().await {
        let path = format!("/api/v1/merchants/{}/return-policy", world.merchant_id);
        // Published before the minimum existed.
        let stingy = publish_policy(&world, &stingy_policy()).await;
        assert_eq!(stingy.status, 201, "{}", stingy.body);

        // Only the operator's administrators (and its integration) set the minimum.
        for (who, status) in [
            (Who::MerchantAdmin, 404),
            (Who::MerchantKey, 404),
            (Who::Mediator, 403),
        ] {
            let reply = world
                .post("/api/v1/return-policy/minimum", &who, &minimum_policy())
                .await;
            assert_eq!(reply.status, status, "{who:?}: {}", reply.body);
        }
        let minimum = world
            .post(
                "/api/v1/return-policy/minimum",
                &Who::OperatorAdmin,
                &minimum_policy(),
            )
            .await;
        assert_eq!(minimum.status, 201, "{}", minimum.body);
        assert_eq!(minimum.body["version"], 1);
        let read = world
            .get("/api/v1/return-policy/minimum", &Who::OperatorAdmin)
            .await;
        assert_eq!(read.body["current"]["version"], 1);
        assert_eq!(
            read.body["in_force"],
            json!({"source": "operator", "version": 1})
        );

        // A new undercutting version is refused, one error per field.
        let refused_reply = publish_policy(&world, &stingy_policy()).await;
        assert_eq!(refused_reply.status, 422, "{}", refused_reply.body);
        let mut fields = field_errors(&refused_reply);
        fields.sort();
        let below = |field: &str| (field.to_owned(), "policy.below_operator_minimum".to_owned());
        assert_eq!(
            fields,
            [
                below("allowed_resolutions"),
                below("non_returnable_categories"),
                below("restocking_fee"),
                below("return_shipping"),
                below("window_days"),
            ]
        );
        // The version published before the minimum is set aside for new orders.
        let history = world.get(&path, &Who::MerchantAdmin).await;
        assert_eq!(history.body["versions"].as_array().unwrap().len(), 1);
        assert_eq!(history.body["minimum"]["version"], 1);
        assert_eq!(
            history.body["in_force"],
            json!({"source": "operator", "version": 1})
        );

        // At least as generous: accepted, and in force.
        let mut generous = generous_policy();
        generous["window_days"] = json!(45);
        let accepted = publish_policy(&world, &generous).await;
        assert_eq!(accepted.status, 201, "{}", accepted.body);
        assert_eq!(accepted.body["version"], 2);
        let history = world.get(&path, &Who::MerchantAdmin).await;
        assert_eq!(
            history.body["in_force"],
            json!({"source": "merchant", "version": 2})
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undercutting_policy_is_refused_with_the_documented_code() {
    let mut answers = Vec::new();
    for world in worlds().await {
        let minimum = world
            .post(
                "/api/v1/return-policy/minimum",
                &Who::OperatorAdmin,
                &minimum_policy(),
            )
            .await;
        assert_eq!(minimum.status, 201, "{}", minimum.body);
        // publish_return_policy documents "Refused (422, `policy.below_operator_minimum`, one
        // error per field)": a client tells this refusal from a malformed policy by its code.
        let reply = publish_policy(&world, &stingy_policy()).await;
        answers.push((world.name, reply.status, code(&reply).map(str::to_owned)));
    }
    let expected: Vec<_> = answers
        .iter()
        .map(|(name, _, _)| (*name, 422, Some("policy.below_operator_minimum".to_owned())))
        .collect();
    assert_eq!(answers, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eligibility_names_the_statute_or_the_policy() {
    for world in worlds().await {
        let law = amiable_domain::law::LawPack::france();
        // Under the law alone (the other merchant has no policy).
        let statutory = world.order_at(world.other_merchant_id, "ELIG-LAW").await;
        let answer = eligibility(&world, &statutory, &Who::OperatorAdmin).await;
        assert_eq!(
            answer["policy"],
            json!({"source": "statutory", "version": 0})
        );
        assert_eq!(answer["allowed_resolutions"], json!(["return_and_refund"]));
        let pulls = line(&answer, "1");
        assert_eq!(
            (&pulls["eligible"], &pulls["basis"], &pulls["article"]),
            (&json!(true), &json!("statute"), &json!("C. conso L221-18"))
        );
        assert_eq!(pulls["returnable_quantity"], 2);
        assert_eq!(pulls["return_shipping"], "buyer");
        assert_eq!(pulls["policy_overridden_by_law"], false);
        let delivered = law.date_of(ago(SignedDuration::from_hours(72)));
        let until: jiff::civil::Date = pulls["until"].as_str().unwrap().parse().unwrap();
        // 14 days from delivery, moved to the next working day when the last is a day off (L221-19).
        assert!(
            until >= delivered.checked_add(jiff::Span::new().days(14)).unwrap()
                && until <= delivered.checked_add(jiff::Span::new().days(18)).unwrap(),
            "{delivered} → {until}"
        );
        assert!(
            pulls["why"].as_str().unwrap().contains("L221-18"),
            "{pulls}"
        );

        // A merchant granting 60 days, on an order delivered 20 days ago.
        let mut sixty = generous_policy();
        sixty["window_days"] = json!(60);
        let version = publish_backdated(&world, &sixty).await;
        let old = create_order(
            &world,
            &order_delivered_days_ago(world.merchant_id, "ELIG-60", 20),
        )
        .await;
        let buyer = Who::Buyer(world.buyer_token(&old).await);
        let answer = eligibility(&world, &old, &buyer).await;
        assert_eq!(
            answer["policy"],
            json!({"source": "merchant", "version": version})
        );
        let pulls = line(&answer, "1");
        assert_eq!(
            (&pulls["eligible"], &pulls["basis"]),
            (&json!(true), &json!("policy"))
        );
        assert!(pulls.get("article").is_none(), "{pulls}");
        assert_eq!(pulls["return_shipping"], "merchant");
        let delivered = law.date_of(ago(SignedDuration::from_hours(24 * 20)));
        let expected = law
            .calendar
            .on_or_after_working_day(delivered.checked_add(jiff::Span::new().days(60)).unwrap());
        assert_eq!(pulls["until"], json!(expected.to_string()));
        assert!(
            pulls["why"]
                .as_str()
                .unwrap()
                .contains("under the merchant's policy"),
            "{pulls}"
        );
        // And a return opened under it says so.
        let case_id = open_pulls(&world, &old, 1, None).await;
        let state = case(&world, &case_id).await;
        assert_eq!(state["returns"]["lines"][0]["basis"], "policy");
        assert_eq!(
            state["returns"]["lines"][0]["until"],
            json!(expected.to_string())
        );
        // Under a policy beyond the law there is no statutory refund deadline.
        assert!(state["returns"].get("refund_due_by").is_none(), "{state}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eligibility_sentence_cites_the_article_that_applies() {
    let mut wrong = Vec::new();
    for world in worlds().await {
        // The merchant never gave the withdrawal information: 12 more months (L221-20).
        set_settings(
            &world,
            world.other_merchant_id,
            &json!({"withdrawal_information": "not_given"}),
        )
        .await;
        let order_id = world
            .order_at(world.other_merchant_id, "ELIG-L221-20")
            .await;
        let answer = eligibility(&world, &order_id, &Who::OperatorAdmin).await;
        assert_eq!(
            answer["policy"],
            json!({"source": "statutory", "version": 0})
        );
        let pulls = line(&answer, "1");
        assert_eq!(pulls["article"], "C. conso L221-20", "{pulls}");
        let why = pulls["why"].as_str().unwrap();
        if !why.contains("L221-20") || why.contains("L221-18") {
            wrong.push(format!(
                "{}: the sentence cites another article than `article`: {why}",
                world.name
            ));
        }
        // There is no merchant policy (the law alone): none can have been overridden.
        if pulls["policy_overridden_by_law"] == true
            || why.contains("merchant's less generous policy")
        {
            wrong.push(format!(
                "{}: the answer says a merchant policy was overridden, but there is none: {pulls}",
                world.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_approval_authorises_and_labels_small_returns_at_once() {
    for world in worlds().await {
        let mut policy = generous_policy();
        policy["auto_approve"] = json!({"max_amount": eur(5000)});
        publish_backdated(&world, &policy).await;
        set_return_address(&world).await;
        let order_id = world.order_at(world.merchant_id, "RET-AUTO").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);

        let small = open(
            &world,
            &order_id,
            &buyer,
            json!([{"line_id": "1", "quantity": 1}]),
            None,
        )
        .await;
        assert_eq!(small.status, 201, "{}", small.body);
        assert_eq!(
            types(&small),
            [
                "opened",
                "return_requested",
                "return_authorised",
                "label_issued"
            ]
        );
        let returns = &small.body["case"]["returns"];
        assert_eq!(
            (&returns["stage"], &returns["automatic"]),
            (&json!("label_issued"), &json!(true))
        );

        // Over the amount: a person decides.
        let other = world.order_at(world.merchant_id, "RET-AUTO-2").await;
        let buyer = Who::Buyer(world.buyer_token(&other).await);
        let large = open(
            &world,
            &other,
            &buyer,
            json!([{"line_id": "1", "quantity": 2}]),
            None,
        )
        .await;
        assert_eq!(large.status, 201, "{}", large.body);
        assert_eq!(types(&large), ["opened", "return_requested"]);
    }
}

// ----------------------------------------------------------------- access

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_cannot_move_money_and_other_merchants_see_nothing() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "RET-ACCESS").await;
        set_return_address(&world).await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = open_pulls(&world, &order_id, 1, None).await;

        // The buyer may not act for the merchant.
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        for (path, body) in [
            ("return/authorise", json!({})),
            ("return/refuse", json!({"ground": "Non"})),
            ("return/label", json!({})),
            ("refunds", json!({"amount": eur(PULL)})),
            ("store-credit", json!({"amount": eur(PULL)})),
            (
                "compensation",
                json!({"kind": "voucher", "amount": eur(500)}),
            ),
        ] {
            let reply = on_case(&world, &case_id, path, &buyer, body).await;
            refused(
                &world,
                &reply,
                (403, "auth.forbidden"),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
        }
        done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        issue_label(&world, &case_id, &Who::MerchantAgent).await;
        let before = snapshot(&world, Some(&case_id), &order_id).await;
        for (path, body) in [
            ("return/tracking", scan("delivered", 5, "EVT-BUYER")),
            (
                "return/receive",
                json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
            ),
            ("refunds", json!({})),
        ] {
            let reply = on_case(&world, &case_id, path, &buyer, body).await;
            refused(
                &world,
                &reply,
                (403, "auth.forbidden"),
                Some(&case_id),
                &order_id,
                &before,
            )
            .await;
        }

        // Another merchant's return, out of reach of this merchant's staff and keys,
        // of the other operator, and of another order's buyer.
        let theirs = world.order_at(world.other_merchant_id, "RET-THEIRS").await;
        let opened = open(
            &world,
            &theirs,
            &Who::OperatorKey,
            json!([{"line_id": "1", "quantity": 1}]),
            None,
        )
        .await;
        assert_eq!(opened.status, 201, "{}", opened.body);
        let their_case = opened.body["case_id"].as_str().unwrap().to_owned();
        done(
            &world,
            &their_case,
            "return/authorise",
            &Who::OperatorAdmin,
            json!({}),
        )
        .await;
        if world
            .get(&format!("/api/v1/cases/{their_case}"), &Who::OperatorAdmin)
            .await
            .body["case"]["returns"]["stage"]
            == "authorised"
        {
            on_case(
                &world,
                &their_case,
                "return/label",
                &Who::OperatorAdmin,
                json!({}),
            )
            .await;
        }
        let before = snapshot(&world, Some(&their_case), &theirs).await;
        for who in [
            Who::MerchantAdmin,
            Who::MerchantAgent,
            Who::MerchantKey,
            Who::OtherOperatorAdmin,
            buyer.clone(),
        ] {
            for (path, body) in [
                ("return/authorise", json!({})),
                ("return/label", json!({})),
                (
                    "return/receive",
                    json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
                ),
                ("refunds", json!({"amount": eur(PULL)})),
                ("exchange", json!({"lines": []})),
                (
                    "compensation",
                    json!({"kind": "voucher", "amount": eur(500)}),
                ),
            ] {
                let reply = on_case(&world, &their_case, path, &who, body).await;
                refused(
                    &world,
                    &reply,
                    (404, "case.not_found"),
                    Some(&their_case),
                    &theirs,
                    &before,
                )
                .await;
            }
            for path in [
                format!("/api/v1/orders/{theirs}/ledger"),
                format!("/api/v1/orders/{theirs}/eligibility"),
            ] {
                let reply = world.get(&path, &who).await;
                assert_eq!(
                    (reply.status, code(&reply)),
                    (404, Some("order.not_found")),
                    "{who:?} {path}"
                );
            }
            let (status, _, _) = download_label(&world, &their_case, "", &who).await;
            assert_eq!(status, 404, "{who:?}");
        }
        // The merchant's own staff can read their label; the operator can too.
        for who in [Who::MerchantAgent, Who::OperatorAdmin, Who::Mediator] {
            let (status, _, pdf) = download_label(&world, &case_id, "", &who).await;
            assert_eq!(status, 200, "{who:?}");
            assert!(pdf.starts_with(b"%PDF"));
        }
    }
}

/// A sealed hygiene product is returnable only while still sealed (C. conso L221-28 5°):
/// the answer says so, in the API and on the buyer's order page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealed_hygiene_line_is_returnable_only_if_still_sealed() {
    for world in worlds().await {
        let mut body = World::order_body(Some(world.merchant_id), "RET-SCELLE");
        body["order"]["lines"][1]["flags"] = json!(["sealed_hygiene"]);
        let order_id = create_order(&world, &body).await;
        let answer = eligibility(&world, &order_id, &Who::OperatorAdmin).await;
        let sealed = line(&answer, "2");
        assert_eq!(sealed["eligible"], true, "{answer}");
        assert!(
            sealed["why"]
                .as_str()
                .unwrap()
                .ends_with("Provided it has not been unsealed (C. conso L221-28 5°)."),
            "{sealed}"
        );
        let other = line(&answer, "1");
        assert!(
            !other["why"].as_str().unwrap().contains("unsealed"),
            "{other}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_who_pays_their_return_declares_the_parcel_and_the_hold_ends() {
    for world in worlds().await {
        // The statutory policy: the buyer pays the return, no label is issued.
        let order_id = world.order_at(world.merchant_id, "RET-SELF").await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let early = on_case(
            &world,
            &case_id,
            "return/shipment",
            &buyer,
            json!({"carrier": "Mondial Relay", "tracking_number": "MR1"}),
        )
        .await;
        assert_eq!(early.status, 409, "{}: {}", world.name, early.body);
        assert_eq!(early.body["code"], "return.invalid_stage");
        let authorised = done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        assert_eq!(
            authorised.body["case"]["returns"]["return_shipping"],
            "buyer"
        );
        assert!(authorised.body["case"]["returns"]["shipped_at"].is_null());

        // The receipt, uploaded first; a file that is not on the case is refused by name.
        let upload = World::send(
            world
                .request(
                    "POST",
                    &format!("/api/v1/cases/{case_id}/attachments"),
                    &buyer,
                )
                .multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(common::png()).file_name("recu.png"),
                )),
        )
        .await;
        assert_eq!(upload.status, 201, "{}", upload.body);
        let sha = upload.body["events"][0]["data"]["attachment"]["sha256"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", upload.body))
            .to_owned();
        let unknown = on_case(
            &world,
            &case_id,
            "return/shipment",
            &buyer,
            json!({"carrier": "Mondial Relay", "tracking_number": "MR1", "receipt_sha256": "ab".repeat(32)}),
        )
        .await;
        assert_eq!(unknown.status, 422);
        assert_eq!(unknown.body["errors"][0]["field"], "receipt_sha256");
        let future = on_case(
            &world,
            &case_id,
            "return/shipment",
            &buyer,
            json!({"carrier": "Mondial Relay", "tracking_number": "MR1",
                   "shipped_at": (Timestamp::now() + SignedDuration::from_hours(30)).round(jiff::Unit::Second).unwrap().to_string()}),
        )
        .await;
        assert_eq!(future.status, 422);
        assert_eq!(future.body["errors"][0]["field"], "shipped_at");

        let sent = days_ago(1);
        let declared = done(
            &world,
            &case_id,
            "return/shipment",
            &buyer,
            json!({"carrier": "Mondial Relay", "tracking_number": "MR123456789",
                   "shipped_at": sent, "receipt_sha256": sha}),
        )
        .await;
        assert_eq!(types(&declared), ["shipment_declared"]);
        let returns = &declared.body["case"]["returns"];
        assert_eq!(returns["stage"], "in_transit");
        // The buyer's proof of shipment: the refund can no longer be held (L221-24).
        assert_eq!(returns["shipped_at"], json!(sent));
        assert_eq!(returns["declared"]["tracking_number"], "MR123456789");
        assert_eq!(returns["declared"]["receipt"]["sha256"], json!(sha));
        // Once.
        let again = on_case(
            &world,
            &case_id,
            "return/shipment",
            &buyer,
            json!({"carrier": "Colissimo", "tracking_number": "6A2"}),
        )
        .await;
        assert_eq!(again.status, 422, "{}", again.body);
        assert_eq!(
            again.body["errors"][0]["code"],
            "return.shipment_already_known"
        );
        // The receipt stays readable to the buyer and the shop.
        for who in [&buyer, &Who::MerchantAgent] {
            let file = world
                .request(
                    "GET",
                    &format!("/api/v1/cases/{case_id}/attachments/{sha}"),
                    who,
                )
                .send()
                .await
                .unwrap();
            assert_eq!(file.status(), 200);
        }
        // The shop receives the parcel as it would one with a label.
        done(
            &world,
            &case_id,
            "return/receive",
            &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
        )
        .await;
    }
}

/// An order whose candle (line 2) is in no parcel yet; placed `days` ago.
async fn partly_shipped(world: &World, number: &str, days: i64) -> String {
    let mut body = World::order_body(Some(world.merchant_id), number);
    body["order"]["placed_at"] = json!(days_ago(days));
    body["order"]["shipments"][0]["lines"] = json!([{"line_id": "1", "quantity": 2}]);
    // A plain candle, not made to order (so the withdrawal right applies to it).
    body["order"]["lines"][1]
        .as_object_mut()
        .unwrap()
        .remove("flags");
    create_order(world, &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_never_shipped_is_cancelled_not_returned() {
    for world in worlds().await {
        set_return_address(&world).await;
        let order_id = partly_shipped(&world, "RET-UNSHIPPED", 7).await;
        let answer = eligibility(&world, &order_id, &Who::OperatorAdmin).await;
        let pulls = line(&answer, "1");
        let candle = line(&answer, "2");
        assert_eq!(pulls["shipping"], "delivered", "{answer}");
        assert_eq!(candle["shipping"], "not_shipped");
        // The last good is not received: the 14 days have not started (L221-18).
        assert!(
            pulls["until"].is_null() && candle["until"].is_null(),
            "{answer}"
        );
        assert_eq!(candle["returnless"], true);
        assert!(
            candle["why"].as_str().unwrap().contains("L221-24"),
            "{candle}"
        );

        // Withdrawing from it before delivery cancels it: no authorisation to wait
        // for, no label, nothing to send back; the refund is due within 14 days.
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let opened = open(
            &world,
            &order_id,
            &buyer,
            json!([{"line_id": "2", "quantity": 1}]),
            None,
        )
        .await;
        assert_eq!(opened.status, 201, "{}: {}", world.name, opened.body);
        assert_eq!(
            types(&opened),
            ["opened", "return_requested", "return_authorised"]
        );
        let returns = &opened.body["case"]["returns"];
        assert_eq!(returns["returnless"], true);
        assert_eq!(returns["automatic"], true);
        assert!(returns["refund_due_by"].is_string());
        assert!(returns.get("label").is_none(), "{returns}");
        let case_id = opened.body["case_id"].as_str().unwrap().to_owned();
        let refunded = done(&world, &case_id, "refunds", &Who::MerchantAdmin, json!({})).await;
        assert_eq!(refunded.body["case"]["refunds"][0]["amount"], eur(1990));

        // A delivery problem is reported on what was shipped: the candle can only be late,
        // and only once delivery was due (30 days, L216-1).
        let incident = |reason: &str| {
            json!({"order_id": order_id, "kind": "incident", "reason": reason,
                   "items": [{"line_id": "2", "quantity": 1}], "description": "Rien reçu."})
        };
        let damaged = world
            .post("/api/v1/cases", &buyer, &incident("damaged_in_transit"))
            .await;
        assert_eq!(damaged.status, 422, "{}", damaged.body);
        assert_eq!(damaged.body["errors"][0]["code"], "case.line_not_shipped");
        assert_eq!(damaged.body["errors"][0]["field"], "items[0].line_id");
        let early = world
            .post("/api/v1/cases", &buyer, &incident("late_delivery"))
            .await;
        assert_eq!(early.status, 422, "{}", early.body);
        assert_eq!(early.body["errors"][0]["code"], "delivery.not_yet_due");
        // The pulls, delivered, may be reported damaged.
        let pulls_damaged = world
            .post(
                "/api/v1/cases",
                &buyer,
                &json!({"order_id": order_id, "kind": "incident", "reason": "damaged_in_transit",
                        "items": [{"line_id": "1", "quantity": 1}], "description": "Troué."}),
            )
            .await;
        assert_eq!(pulls_damaged.status, 201, "{}", pulls_damaged.body);

        // Forty days on, still not shipped: late (L216-6), reported as such.
        let old = partly_shipped(&world, "RET-UNSHIPPED-OLD", 40).await;
        let buyer = Who::Buyer(world.buyer_token(&old).await);
        let late = world
            .post(
                "/api/v1/cases",
                &buyer,
                &json!({"order_id": old, "kind": "incident", "reason": "late_delivery",
                        "items": [{"line_id": "2", "quantity": 1}], "description": "Toujours rien."}),
            )
            .await;
        assert_eq!(late.status, 201, "{}", late.body);
    }
}

/// Two days before the label expires, a buyer whose parcel has not left is reminded —
/// by email and, when they asked for it, by text message; once, and not after the parcel left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyer_is_reminded_before_the_label_expires() {
    for world in worlds().await {
        let app = world.state.app().clone();
        let order_id = world.order_at(world.merchant_id, "RET-REMIND").await;
        set_return_address(&world).await;
        let case_id = open_pulls(&world, &order_id, 1, None).await;
        done(
            &world,
            &case_id,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        let labelled = issue_label(&world, &case_id, &Who::MerchantAgent).await;
        let expires: Timestamp = labelled.body["case"]["returns"]["label"]["expires_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        // The buyer asked for text messages.
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let prefs = world
            .call(
                "PUT",
                "/api/v1/notification-preferences",
                &buyer,
                Some(&json!({"sms": true, "phone": "06 12 34 56 78"})),
            )
            .await;
        assert_eq!(prefs.status, 200, "{}", prefs.body);
        let run = |at: Timestamp| {
            let world = &world;
            async move {
                amiable_app::jobs::run_due(
                    &world.store,
                    world.state.app().gateway().as_ref(),
                    "w",
                    at,
                )
                .await
                .unwrap()
            }
        };
        // Three days before: nothing yet.
        run(expires - SignedDuration::from_hours(72)).await;
        assert_eq!(reminders_on(&world, &case_id).await, 0);
        // Forty-seven hours before: the reminder, on the timeline with the label's last day.
        run(expires - SignedDuration::from_hours(47)).await;
        assert_eq!(reminders_on(&world, &case_id).await, 1, "{}", world.name);
        app.notify_until_idle("test").await.unwrap();
        let sent = world
            .get(
                &format!("/api/v1/deliveries?case_id={case_id}"),
                &Who::OperatorAdmin,
            )
            .await;
        let reminders: Vec<&Value> = sent.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["topic"] == "label_expiring")
            .collect();
        let channels: Vec<&str> = reminders
            .iter()
            .map(|d| d["channel"].as_str().unwrap())
            .collect();
        assert_eq!(reminders.len(), 2, "{}: {channels:?}", world.name);
        assert!(channels.contains(&"email") && channels.contains(&"sms"));
        let email = reminders.iter().find(|d| d["channel"] == "email").unwrap();
        assert!(
            email["subject"]
                .as_str()
                .unwrap()
                .contains("expire bientôt")
        );
        // Once: the job running again changes nothing.
        run(expires - SignedDuration::from_hours(30)).await;
        assert_eq!(reminders_on(&world, &case_id).await, 1, "once");

        // A parcel already on its way: no reminder.
        let order_id = world.order_at(world.merchant_id, "RET-REMIND-2").await;
        let sent_case = open_pulls(&world, &order_id, 1, None).await;
        done(
            &world,
            &sent_case,
            "return/authorise",
            &Who::MerchantAgent,
            json!({}),
        )
        .await;
        issue_label(&world, &sent_case, &Who::MerchantAgent).await;
        done(
            &world,
            &sent_case,
            "return/tracking",
            &Who::MerchantKey,
            scan("in_transit", 5, "EVT-R2"),
        )
        .await;
        run(expires - SignedDuration::from_hours(47)).await;
        assert_eq!(reminders_on(&world, &sent_case).await, 0, "{}", world.name);
    }
}

/// The label reminders on a case's timeline (the refund deadline's are others).
async fn reminders_on(world: &World, case_id: &str) -> usize {
    let reply = world
        .get(&format!("/api/v1/cases/{case_id}"), &Who::OperatorAdmin)
        .await;
    reply.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "reminder_sent" && e["data"]["topic"] == "label_expiring")
        .count()
}
