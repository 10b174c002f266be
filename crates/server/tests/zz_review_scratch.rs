//! THROWAWAY review probes (delete before finishing).

mod common;

use amiable_domain::case::{Actor, CaseKind, Command, ItemCondition, ReceivedLine};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::text::Label;
use amiable_store::CommandRequest;
use common::{Reply, Who, World, worlds};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn eur(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "EUR"})
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

async fn set_return_address(world: &World) {
    let settings = json!({"return_address": {"name": "Retours", "lines": ["12 rue X"],
                                "postal_code": "69002", "city": "Lyon", "country": "FR"}});
    let text = settings.to_string().replace('\'', "''");
    world
        .store
        .raw_execute(format!(
            "UPDATE merchants SET settings = '{text}' WHERE id = '{}'",
            world.merchant_id
        ))
        .await
        .unwrap();
}

async fn publish_backdated(world: &World, policy: &Value) {
    let reply = world
        .post(
            &format!("/api/v1/merchants/{}/return-policy", world.merchant_id),
            &Who::MerchantAdmin,
            policy,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let version = reply.body["version"].as_u64().unwrap();
    let from = ago(SignedDuration::from_hours(24 * 60)).as_microsecond();
    world
        .store
        .raw_execute(format!(
            "UPDATE return_policies SET effective_from = {from} WHERE operator_id = '{}' AND scope = '{}' AND version = {version}",
            world.operator_id, world.merchant_id
        ))
        .await
        .unwrap();
}

async fn open_pulls(world: &World, order_id: &str, quantity: u32) -> String {
    let buyer = Who::Buyer(world.buyer_token(order_id).await);
    let reply = world
        .post(
            "/api/v1/cases",
            &buyer,
            &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                    "items": [{"line_id": "1", "quantity": quantity}], "description": "Trop petit."}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
    reply.body["case_id"].as_str().unwrap().to_owned()
}

async fn on_case(world: &World, case_id: &str, path: &str, who: &Who, body: Value) -> Reply {
    world
        .post(&format!("/api/v1/cases/{case_id}/{path}"), who, &body)
        .await
}

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
        .get(&format!("/api/v1/orders/{order_id}/ledger"), &Who::OperatorAdmin)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn eligibility(world: &World, order_id: &str) -> Value {
    let reply = world
        .get(&format!("/api/v1/orders/{order_id}/eligibility"), &Who::OperatorAdmin)
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

async fn authorise_receive_inspect(world: &World, case_id: &str) {
    done(world, case_id, "return/authorise", &Who::MerchantAgent, json!({})).await;
    done(
        world,
        case_id,
        "return/receive",
        &Who::MerchantAgent,
        json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]}),
    )
    .await;
    done(
        world,
        case_id,
        "return/inspect",
        &Who::MerchantAgent,
        json!({"lines": [{"line_id": "1", "compliant": true}]}),
    )
    .await;
}

fn merchant() -> Actor {
    Actor::MerchantUser { id: "probe".into() }
}

async fn store_cmd(world: &World, case_id: &str, command: Command, at: Option<Timestamp>) {
    world
        .store
        .execute(CommandRequest {
            case_id: CaseId::parse(case_id).unwrap(),
            expected_version: None,
            command,
            actor: merchant(),
            order_id: None,
            at,
        })
        .await
        .unwrap();
}

fn refund_cmd(amount: Option<i64>, resolve: bool) -> Command {
    Command::Refund {
        amount: amount.map(|a| serde_json::from_value(eur(a)).unwrap()),
        deductions: Vec::new(),
        gateway: Label::parse("paypal").unwrap(),
        resolve,
    }
}

// (A) one return of ONE pull (45 €) refunded twice in full: the suggested amount ignores what the case already refunded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_a_double_refund_same_case() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "A-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        authorise_receive_inspect(&world, &case_id).await;
        let first = done(&world, &case_id, "refunds", &Who::MerchantAgent, json!({"resolve": false})).await;
        let second = done(&world, &case_id, "refunds", &Who::MerchantAgent, json!({"resolve": false})).await;
        let l = ledger(&world, &order).await;
        println!(
            "[{}] A: refunds = {} / {} ; ledger refunded = {}",
            world.name,
            first.body["case"]["refunds"][0]["amount"],
            second.body["case"]["refunds"][1]["amount"],
            l["balance"]["refunded"]
        );
        assert_eq!(l["balance"]["refunded"]["amount_minor"], 9000, "two full refunds for one 45 € pull");

        // (A2) with resolve=true, the BUYER reopens, the merchant refunds again.
        let order2 = world.order_at(world.merchant_id, "A-2").await;
        let case2 = open_pulls(&world, &order2, 1).await;
        authorise_receive_inspect(&world, &case2).await;
        done(&world, &case2, "refunds", &Who::MerchantAgent, json!({})).await;
        let buyer = Who::Buyer(world.buyer_token(&order2).await);
        done(&world, &case2, "reopen", &buyer, json!({"reason": "je rouvre"})).await;
        done(&world, &case2, "refunds", &Who::MerchantAgent, json!({})).await;
        let l2 = ledger(&world, &order2).await;
        println!("[{}] A2: ledger refunded after reopen = {}", world.name, l2["balance"]["refunded"]);
        assert_eq!(l2["balance"]["refunded"]["amount_minor"], 9000);
    }
}

// (B) store credit twice: the case shows one, the ledger counts two; then the buyer cancels and keeps credit + lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_b_store_credit_overwrite_and_cancel() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "B-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        done(&world, &case_id, "return/authorise", &Who::MerchantAgent, json!({})).await;
        // statutory policy: allowed_resolutions = [return_and_refund] only, buyer never asked for credit
        done(&world, &case_id, "store-credit", &Who::MerchantAgent, json!({"resolve": false})).await;
        done(&world, &case_id, "store-credit", &Who::MerchantAgent, json!({"resolve": false})).await;
        let state = case(&world, &case_id).await;
        let l = ledger(&world, &order).await;
        println!(
            "[{}] B: case.store_credit = {} ; ledger store_credit = {}",
            world.name, state["store_credit"], l["balance"]["store_credit"]
        );
        assert_eq!(state["store_credit"]["amount"]["amount_minor"], 4500);
        assert_eq!(l["balance"]["store_credit"]["amount_minor"], 9000);
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let cancel = on_case(&world, &case_id, "cancel", &buyer, json!({"reason": "finalement je garde"})).await;
        println!("[{}] B: buyer cancel after credit -> {} {}", world.name, cancel.status, cancel.body["code"]);
        assert_eq!(cancel.status, 200);
        let answer = eligibility(&world, &order).await;
        println!("[{}] B: line 1 returnable again = {}", world.name, line(&answer, "1")["returnable_quantity"]);
        assert_eq!(line(&answer, "1")["returnable_quantity"], 2);
    }
}

// (C) refunding with a `reference` settles EVERY pending refund of the case, also one that the gateway never executed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_c_reference_settles_other_pending_refunds() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "C-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        authorise_receive_inspect(&world, &case_id).await;
        // Refund 1: recorded, waiting for the gateway (as after an outage).
        store_cmd(&world, &case_id, refund_cmd(Some(1000), false), None).await;
        let before = case(&world, &case_id).await;
        assert_eq!(before["refunds"][0]["status"], "pending");
        // Refund 2: made by bank transfer, recorded with its reference.
        let reply = done(
            &world,
            &case_id,
            "refunds",
            &Who::MerchantAgent,
            json!({"amount": eur(500), "reference": "VIR-2", "resolve": false}),
        )
        .await;
        println!("[{}] C: refunds after = {}", world.name, reply.body["case"]["refunds"]);
        assert_eq!(reply.body["case"]["refunds"][0]["status"], "settled");
        assert_eq!(reply.body["case"]["refunds"][0]["reference"], "VIR-2");
    }
}

// (D) a refund that resolved the case then fails: resolved "return_and_refund" with nothing refunded, and no way to refund.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_d_fail_after_resolve() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "D-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        authorise_receive_inspect(&world, &case_id).await;
        store_cmd(&world, &case_id, refund_cmd(None, true), None).await;
        done(&world, &case_id, "refunds/1/fail", &Who::MerchantAgent, json!({"error": "carte expirée"})).await;
        let state = case(&world, &case_id).await;
        let l = ledger(&world, &order).await;
        let again = on_case(&world, &case_id, "refunds", &Who::MerchantAgent, json!({})).await;
        println!(
            "[{}] D: status={} resolution={} refunds={} ledger.refunded={} ; retry -> {} {}",
            world.name,
            state["status"],
            state["resolution"]["kind"],
            state["refunds"],
            l["balance"]["refunded"],
            again.status,
            again.body["code"]
        );
        assert_eq!(state["status"], "resolved");
        assert_eq!(l["balance"]["refunded"]["amount_minor"], 0);
        assert_ne!(again.status, 200);
    }
}

// (E) a 30-day policy with a 10 % restocking fee, asked on day 3 (inside the statutory 14 days).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_e_restocking_fee_inside_withdrawal_period() {
    for world in worlds().await {
        publish_backdated(
            &world,
            &json!({"window_days": 30, "return_shipping": "buyer",
                    "allowed_resolutions": ["return_and_refund"], "label_expiry_days": 14,
                    "restocking_fee": {"kind": "percent", "percent": 10}}),
        )
        .await;
        let order = world.order_at(world.merchant_id, "E-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        let state = case(&world, &case_id).await;
        println!(
            "[{}] E: line = {} ; refund_due_by = {:?}",
            world.name,
            state["returns"]["lines"][0],
            state["returns"].get("refund_due_by")
        );
        assert_eq!(state["returns"]["lines"][0]["basis"], "policy");
        assert_eq!(state["returns"]["lines"][0]["restocking_fee"]["amount_minor"], 450);
        assert!(state["returns"].get("refund_due_by").is_none());
    }
}

// (F) two parcels: line 1 delivered 20 days ago, line 2 two days ago. L221-18: the period runs from the LAST item.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_f_multi_parcel_period_per_line() {
    for world in worlds().await {
        let mut body = World::order_body(Some(world.other_merchant_id), "F-1");
        body["order"]["placed_at"] = json!(days_ago(25));
        body["order"]["lines"][1]["flags"] = json!([]);
        body["order"]["shipments"] = json!([
            {"carrier": "Colissimo", "tracking_number": "6A1", "shipped_at": days_ago(22), "delivered_at": days_ago(20),
             "lines": [{"line_id": "1", "quantity": 2}]},
            {"carrier": "Colissimo", "tracking_number": "6A2", "shipped_at": days_ago(4), "delivered_at": days_ago(2),
             "lines": [{"line_id": "2", "quantity": 1}]}
        ]);
        let order = create_order(&world, &body).await;
        let answer = eligibility(&world, &order).await;
        println!("[{}] F: line1 = {}\n   line2 = {}", world.name, line(&answer, "1"), line(&answer, "2"));
        assert_eq!(line(&answer, "1")["eligible"], false);
    }
}

// (G) the late-refund surcharge of a refund that failed stays due; the next refund adds another one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_g_surcharge_not_released() {
    for world in worlds().await {
        let order = create_order(&world, &order_delivered_days_ago(world.merchant_id, "G-1", 40)).await;
        let case_id = CaseId::from_bytes(common::bytes());
        world
            .store
            .execute(CommandRequest {
                case_id,
                expected_version: Some(0),
                command: Command::Open {
                    preferred: None,
                    kind: CaseKind::Return,
                    reason: amiable_domain::reason::ReasonCode::parse("changed_mind").unwrap(),
                    items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                    claimed: None,
                    description: amiable_domain::text::Body::parse("Trop petit.").unwrap(),
                    stage: None,
                },
                actor: Actor::OperatorUser { id: "probe".into() },
                order_id: Some(OrderId::parse(&order).unwrap()),
                at: Some(ago(SignedDuration::from_hours(24 * 35))),
            })
            .await
            .unwrap();
        let id = case_id.to_string();
        store_cmd(&world, &id, Command::AuthoriseReturn { returnless: false }, Some(ago(SignedDuration::from_hours(24 * 34)))).await;
        store_cmd(
            &world,
            &id,
            Command::ReceiveReturn {
                lines: vec![ReceivedLine {
                    line_id: amiable_domain::ids::LineId::parse("1").unwrap(),
                    quantity: 1,
                    condition: ItemCondition::New,
                    note: None,
                }],
            },
            Some(ago(SignedDuration::from_hours(24 * 33))),
        )
        .await;
        store_cmd(&world, &id, refund_cmd(None, false), None).await;
        store_cmd(
            &world,
            &id,
            Command::FailRefund { refund_id: 1, error: Label::parse("refusé").unwrap() },
            None,
        )
        .await;
        store_cmd(&world, &id, refund_cmd(None, false), None).await;
        let state = case(&world, &id).await;
        let l = ledger(&world, &order).await;
        println!(
            "[{}] G: due_by={} refunds={} ; ledger refunded={} surcharge_due={}",
            world.name, state["returns"]["refund_due_by"], state["refunds"], l["balance"]["refunded"], l["balance"]["surcharge_due"]
        );
        let one = state["refunds"][1]["late"]["surcharge"]["amount"]["amount_minor"].as_i64().unwrap();
        assert_eq!(l["balance"]["surcharge_due"]["amount_minor"].as_i64().unwrap(), 2 * one);
    }
}

// (H) the buyer cancels after the carrier said "delivered" (the goods are back with the merchant).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_h_cancel_after_delivered_scan() {
    for world in worlds().await {
        set_return_address(&world).await;
        let order = world.order_at(world.merchant_id, "H-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        let auth = done(&world, &case_id, "return/authorise", &Who::MerchantAgent, json!({})).await;
        assert_eq!(auth.body["case"]["returns"]["stage"], "label_issued", "{}", auth.body);
        done(
            &world,
            &case_id,
            "return/tracking",
            &Who::MerchantKey,
            json!({"status": "delivered", "scanned_at": Timestamp::now().to_string()}),
        )
        .await;
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let cancel = on_case(&world, &case_id, "cancel", &buyer, json!({"reason": "je garde"})).await;
        println!("[{}] H: cancel at delivered -> {} {}", world.name, cancel.status, cancel.body);
        assert_eq!(cancel.status, 200);
    }
}

// (I) refusal after a refund: the line is free again, the money stays out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_i_refuse_after_refund() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "I-1").await;
        let case_id = open_pulls(&world, &order, 2).await;
        authorise_receive_inspect(&world, &case_id).await;
        done(&world, &case_id, "refunds", &Who::MerchantAgent, json!({"resolve": false})).await;
        let refuse = on_case(&world, &case_id, "return/refuse", &Who::MerchantAgent, json!({"ground": "non conforme"})).await;
        let answer = eligibility(&world, &order).await;
        let l = ledger(&world, &order).await;
        println!(
            "[{}] I: refuse -> {} ; line1 returnable = {} ; refunded = {}",
            world.name, refuse.status, line(&answer, "1")["returnable_quantity"], l["balance"]["refunded"]
        );
        assert_eq!(refuse.status, 200);
        // a second return of both pulls, refunded again
        let case2 = open_pulls(&world, &order, 2).await;
        done(&world, &case2, "return/authorise", &Who::MerchantAgent, json!({})).await;
        let r = on_case(&world, &case2, "refunds", &Who::MerchantAgent, json!({})).await;
        let l = ledger(&world, &order).await;
        println!("[{}] I: second return refund -> {} ; refunded = {}", world.name, r.status, l["balance"]["refunded"]);
    }
}

struct Down;
impl amiable_server::payments::PaymentGateway for Down {
    fn name(&self) -> &'static str {
        "down"
    }
    fn refund(
        &self,
        _: &amiable_server::payments::RefundInstruction,
    ) -> amiable_server::payments::GatewayFuture<'_> {
        Box::pin(async { Err(amiable_server::payments::GatewayUnavailable("outage".into())) })
    }
}

fn later(days: i64) -> Timestamp {
    Timestamp::now().checked_add(SignedDuration::from_hours(24 * days)).unwrap()
}

// (J) a 3-hour gateway outage: the refund.execute job dies, the refund stays pending forever, reminders are muted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_j_dead_refund_job() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "J-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        authorise_receive_inspect(&world, &case_id).await;
        store_cmd(&world, &case_id, refund_cmd(None, false), None).await;
        let mut now = Timestamp::now();
        for _ in 0..15 {
            now = now.checked_add(SignedDuration::from_hours(1)).unwrap();
            amiable_server::worker::run_due(&world.store, &Down, "w", now).await.unwrap();
        }
        let ok = amiable_server::payments::RecordingGateway::default();
        for days in [3, 20, 60] {
            amiable_server::worker::run_due(&world.store, &ok, "w", later(days)).await.unwrap();
        }
        let jobs = world.store.case_jobs(&case_id).await.unwrap();
        let state = case(&world, &case_id).await;
        println!("[{}] J: jobs={:?}\n refunds={} reminders={:?}", world.name, jobs, state["refunds"], state["returns"].get("reminders"));
        assert_eq!(state["refunds"][0]["status"], "pending");
    }
}

// (K) a return whose goods never come back: the refund reminders reschedule themselves every day, forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_k_reminder_reschedules_forever() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "K-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        done(&world, &case_id, "return/authorise", &Who::MerchantAgent, json!({})).await;
        for days in [30, 365, 3650] {
            amiable_server::worker::run_due(&world.store, &amiable_server::payments::RecordingGateway::default(), "w", later(days)).await.unwrap();
        }
        let jobs = world.store.case_jobs(&case_id).await.unwrap();
        println!("[{}] K: jobs={:?}", world.name, jobs);
    }
}

// (L) a return resolved "return_and_refund 45 €" through the generic /resolve or an accepted offer: no refund, no ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_l_resolve_without_money() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "L-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        done(&world, &case_id, "return/authorise", &Who::MerchantAgent, json!({})).await;
        let r = on_case(&world, &case_id, "resolve", &Who::MerchantAgent,
            json!({"resolution": {"kind": "return_and_refund", "amount": eur(4500)}})).await;
        let state = case(&world, &case_id).await;
        let l = ledger(&world, &order).await;
        println!("[{}] L: resolve -> {} ; status={} resolution={} refunds={:?} ledger.refunded={}",
            world.name, r.status, state["status"], state["resolution"], state.get("refunds"), l["balance"]["refunded"]);
        // an offer accepted by the buyer
        let order2 = world.order_at(world.merchant_id, "L-2").await;
        let case2 = open_pulls(&world, &order2, 1).await;
        let o = on_case(&world, &case2, "offers", &Who::MerchantAgent,
            json!({"terms": {"kind": "full_refund", "amount": eur(11480)}})).await;
        let buyer = Who::Buyer(world.buyer_token(&order2).await);
        let a = on_case(&world, &case2, "offers/1/accept", &buyer, json!({})).await;
        let state2 = case(&world, &case2).await;
        let l2 = ledger(&world, &order2).await;
        println!("[{}] L2: offer {} accept {} ; status={} resolution={} ledger.refunded={}",
            world.name, o.status, a.status, state2["status"], state2["resolution"], l2["balance"]["refunded"]);
        // the generic "refusal" at label_issued: the line is freed, the return stage does not move
        let order3 = world.order_at(world.merchant_id, "L-3").await;
        let case3 = open_pulls(&world, &order3, 2).await;
        done(&world, &case3, "return/authorise", &Who::MerchantAgent, json!({})).await;
        let r3 = on_case(&world, &case3, "resolve", &Who::MerchantAgent,
            json!({"resolution": {"kind": "refusal", "note": "non"}})).await;
        let st3 = case(&world, &case3).await;
        let el = eligibility(&world, &order3).await;
        println!("[{}] L3: generic refusal -> {} ; returns.stage={} ; line1 returnable={}",
            world.name, r3.status, st3["returns"]["stage"], line(&el, "1")["returnable_quantity"]);
    }
}

// (M) a staff-only reminder shows in the buyer's view of the case state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_m_reminder_visible_to_buyer() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "M-1").await;
        let case_id = open_pulls(&world, &order, 1).await;
        done(&world, &case_id, "return/authorise", &Who::MerchantAgent, json!({})).await;
        done(&world, &case_id, "return/receive", &Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]})).await;
        amiable_server::worker::run_due(&world.store, &amiable_server::payments::RecordingGateway::default(), "w", later(30)).await.unwrap();
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let view = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        let types: Vec<_> = view.body["timeline"].as_array().unwrap().iter().map(|e| e["type"].clone()).collect();
        println!("[{}] M: buyer sees returns.reminders = {} ; timeline types = {:?}", world.name, view.body["case"]["returns"]["reminders"], types);
    }
}
