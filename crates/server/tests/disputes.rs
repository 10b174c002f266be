//! Incidents and the escalation ladder over HTTP, on SQLite and PostgreSQL:
//! a parcel that never came, a shop silent past its window, the buyer's
//! escalation, the mediator's private request for a proof of delivery, a
//! decision paid by the marketplace and recovered from the shop, an appeal
//! refused by a second mediator, the consumer mediator offered with the
//! dossier — every money effect in the ledger, the timeline verifiable. And
//! the replacement parcel: delivered, it settles the incident; lost, it
//! opens it again.

mod common;

use amiable_domain::case::{Actor, CaseKind, Command, LifecycleCommand};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_store::CommandRequest;
use common::{Reply, Who, World, worlds};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn code(reply: &Reply) -> Option<&str> {
    reply.body["code"].as_str()
}

fn eur(minor: i64) -> Value {
    json!({"amount_minor": minor, "currency": "EUR"})
}

fn days_ago(days: i64) -> String {
    (Timestamp::now() - SignedDuration::from_hours(24 * days))
        .round(jiff::Unit::Second)
        .unwrap()
        .to_string()
}

/// An order shipped five days ago that the carrier never delivered.
async fn undelivered_order(world: &World, number: &str) -> String {
    let mut body = World::order_body(Some(world.merchant_id), number);
    body["order"]["shipments"] = json!([{"carrier": "Colissimo", "tracking_number": "6A404",
        "shipped_at": days_ago(5), "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}]);
    let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["order"]["id"].as_str().unwrap().to_owned()
}

/// A "not received" incident the buyer opened `days` days ago (the store takes the
/// instant; the rest of the story goes through HTTP).
async fn opened_days_ago(world: &World, order_id: &str, days: i64) -> String {
    let case_id = CaseId::from_bytes(common::bytes());
    world
        .store
        .execute(CommandRequest {
            case_id,
            expected_version: Some(0),
            command: Command::Lifecycle(LifecycleCommand::Open {
                kind: CaseKind::Incident,
                reason: amiable_domain::reason::ReasonCode::parse("not_received").unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                claimed: serde_json::from_value(eur(4500)).ok(),
                description: amiable_domain::text::Body::parse(
                    "Le suivi indique « livré » mais je n'ai rien reçu.",
                )
                .unwrap(),
                stage: None,
                preferred: None,
            }),
            actor: Actor::Buyer,
            order_id: Some(OrderId::parse(order_id).unwrap()),
            at: Some(Timestamp::now() - SignedDuration::from_hours(24 * days)),
        })
        .await
        .unwrap();
    case_id.to_string()
}

fn types(reply: &Reply) -> Vec<String> {
    reply.body["timeline"]
        .as_array()
        .or_else(|| reply.body["events"].as_array())
        .map(|events| {
            events
                .iter()
                .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_parcel_that_never_came_to_a_final_decision_that_moves_money() {
    for world in worlds().await {
        let named = world
            .call(
                "PUT",
                "/api/v1/settings",
                &Who::OperatorAdmin,
                Some(&json!({"mediator": {"name": "CM2C", "website": "https://www.cm2c.net"}})),
            )
            .await;
        assert_eq!(named.status, 200, "{}", named.body);

        // A case opened just now: the shop has three working days before the buyer may
        // ask the marketplace; refused, nothing written.
        let fresh_order = undelivered_order(&world, "CMD-NR-0").await;
        let fresh_buyer = Who::Buyer(world.buyer_token(&fresh_order).await);
        let fresh = world
            .post(
                "/api/v1/cases",
                &fresh_buyer,
                &json!({"order_id": fresh_order, "kind": "incident", "reason": "not_received",
                        "items": [{"line_id": "1", "quantity": 1}], "description": "Rien reçu."}),
            )
            .await;
        assert_eq!(fresh.status, 201, "{}", fresh.body);
        let fresh_case = fresh.body["case_id"].as_str().unwrap();
        let before = world.counts().await;
        let early = world
            .post(
                &format!("/api/v1/cases/{fresh_case}/escalate"),
                &fresh_buyer,
                &json!({"reason": "Pas de nouvelles"}),
            )
            .await;
        assert_eq!(
            (early.status, code(&early)),
            (422, Some("escalation.too_early")),
            "{}",
            early.body
        );
        assert_eq!(early.body["errors"][0]["field"], "to");
        assert_eq!(world.counts().await, before, "nothing written");

        // The parcel of six days ago: the shop never answered.
        let order_id = undelivered_order(&world, "CMD-NR-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = opened_days_ago(&world, &order_id, 6).await;
        let case = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");
        let escalated = world
            .post(
                &case("escalate"),
                &buyer,
                &json!({"reason": "La boutique ne répond pas depuis six jours"}),
            )
            .await;
        assert_eq!(escalated.status, 200, "{}", escalated.body);
        assert_eq!(escalated.body["case"]["stage"], "mediation");

        // The mediator asks the shop, privately, for its proof of delivery by a deadline.
        let due = (Timestamp::now() + SignedDuration::from_hours(72))
            .round(jiff::Unit::Second)
            .unwrap();
        let asked = world
            .post(
                &case("information-requests"),
                &Who::Mediator,
                &json!({"from": "merchant", "request": "Merci de transmettre la preuve de livraison signée.",
                        "due_at": due.to_string()}),
            )
            .await;
        assert_eq!(asked.status, 200, "{}", asked.body);
        assert_eq!(asked.body["case"]["waiting_on"], "merchant");
        let answered = world
            .post(
                &case("private-messages"),
                &Who::MerchantAgent,
                &json!({"channel": "merchant", "body": "Nous n'avons qu'un scan « remis », sans signature."}),
            )
            .await;
        assert_eq!(answered.status, 200, "{}", answered.body);
        // The buyer never sees the shop's channel; the shop sees its own.
        let seen_by_buyer = world.get(case("").trim_end_matches('/'), &buyer).await;
        assert_eq!(seen_by_buyer.status, 200);
        let buyer_types = types(&seen_by_buyer);
        assert!(
            !buyer_types.contains(&"information_requested".to_owned()),
            "{buyer_types:?}"
        );
        assert!(
            !buyer_types.contains(&"private_message_posted".to_owned()),
            "{buyer_types:?}"
        );
        assert!(!seen_by_buyer.body.to_string().contains("sans signature"));
        let seen_by_shop = world
            .get(case("").trim_end_matches('/'), &Who::MerchantAgent)
            .await;
        assert!(seen_by_shop.body.to_string().contains("sans signature"));
        assert!(
            seen_by_shop.body["case"]["mediation"]["requests"][0]["answered_at"]
                .as_str()
                .is_some(),
            "{}",
            seen_by_shop.body
        );

        // Arbitration: a decision without grounds is refused, nothing written.
        let arbitrate = world
            .post(
                &case("escalate"),
                &Who::Mediator,
                &json!({"to": "arbitration", "reason": "Pas de preuve de livraison"}),
            )
            .await;
        assert_eq!(arbitrate.status, 200, "{}", arbitrate.body);
        let before = world.counts().await;
        let bare = world
            .post(
                &case("decision"),
                &Who::Mediator,
                &json!({"decision": {"outcome": "buyer_favoured",
                                     "resolution": {"kind": "full_refund", "amount": eur(4500)},
                                     "rationale": "Remboursé."}}),
            )
            .await;
        assert_eq!(
            (bare.status, code(&bare)),
            (422, Some("decision.grounds_required"))
        );
        assert_eq!(world.counts().await, before);
        // Paid by the marketplace, recovered from the shop.
        let decided = world
            .post(
                &case("decision"),
                &Who::Mediator,
                &json!({"decision": {"outcome": "buyer_favoured",
                                     "resolution": {"kind": "full_refund", "amount": eur(4500)},
                                     "rationale": "Le colis n'a jamais été remis : sans preuve de livraison, le risque du transport pèse sur la boutique.",
                                     "cites": ["Conditions générales marchands, art. 9.2", "C. conso L216-2"],
                                     "paid_by": "marketplace", "recover_from_merchant": true}}),
            )
            .await;
        assert_eq!(decided.status, 200, "{}", decided.body);
        assert_eq!(decided.body["case"]["status"], "resolved");
        let ledger = world
            .get(
                &format!("/api/v1/orders/{order_id}/ledger"),
                &Who::OperatorKey,
            )
            .await;
        assert_eq!(ledger.status, 200, "{}", ledger.body);
        let balance = &ledger.body["balance"];
        assert_eq!(balance["refunded"], eur(4500));
        assert_eq!(balance["marketplace_paid"], eur(4500));
        assert_eq!(balance["due_from_merchant"], eur(4500));
        let kinds: Vec<&str> = ledger.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["refund", "marketplace_paid", "due_from_merchant"]);

        // The buyer won: no appeal from the buyer; the shop appeals, nothing else.
        let before = world.counts().await;
        let winner = world
            .post(&case("appeal"), &buyer, &json!({"grounds": "Je veux plus"}))
            .await;
        assert_eq!(
            (winner.status, code(&winner)),
            (422, Some("appeal.party_won"))
        );
        assert_eq!(world.counts().await, before);
        let appealed = world
            .post(
                &case("appeal"),
                &Who::MerchantAdmin,
                &json!({"grounds": "Le colis a été déposé chez un voisin, comme souvent dans cet immeuble."}),
            )
            .await;
        assert_eq!(appealed.status, 200, "{}", appealed.body);
        // The mediator who decided does not hear the appeal.
        let same = world
            .post(
                &case("appeal/decision"),
                &Who::Mediator,
                &json!({"outcome": "dismissed", "grounds": "Aucun élément nouveau n'est produit."}),
            )
            .await;
        assert_eq!(
            (same.status, code(&same)),
            (422, Some("appeal.same_mediator"))
        );
        let heard = world
            .post(
                &case("appeal/decision"),
                &Who::OperatorAdmin,
                &json!({"outcome": "dismissed",
                        "grounds": "Un dépôt chez un voisin non désigné par le client n'est pas une livraison : la décision est confirmée."}),
            )
            .await;
        assert_eq!(heard.status, 200, "{}", heard.body);
        let heard_types = types(&heard);
        assert!(
            heard_types.contains(&"consumer_mediation_offered".to_owned()),
            "{heard_types:?}"
        );
        // The recovery stands.
        let ledger = world
            .get(
                &format!("/api/v1/orders/{order_id}/ledger"),
                &Who::OperatorKey,
            )
            .await;
        assert_eq!(ledger.body["balance"]["due_from_merchant"], eur(4500));

        // The buyer is offered the consumer mediator, with the dossier.
        let final_view = world.get(case("").trim_end_matches('/'), &buyer).await;
        assert_eq!(
            final_view.body["case"]["mediation"]["consumer_mediator"]["name"],
            "CM2C"
        );
        let dossier = World::send_raw(world.request("GET", &case("dossier.pdf"), &buyer)).await;
        assert_eq!(dossier.status, 200);
        assert!(dossier.text.starts_with("%PDF"));
        // Every event is chained and verifies.
        assert!(world.store.verify().await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacement_delivered_settles_the_incident_and_lost_reopens_it() {
    for world in worlds().await {
        let order_id = undelivered_order(&world, "CMD-RESHIP-1").await;
        let case_id = opened_days_ago(&world, &order_id, 1).await;
        let case = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");
        // Not for lines the order does not have.
        let before = world.counts().await;
        let wrong = world
            .post(
                &case("reshipments"),
                &Who::MerchantAgent,
                &json!({"lines": [{"line_id": "7", "quantity": 1}], "carrier": "Colissimo", "tracking_number": "6A500"}),
            )
            .await;
        assert_eq!(
            (wrong.status, code(&wrong)),
            (422, Some("reship.line_not_in_order"))
        );
        assert_eq!(wrong.body["errors"][0]["field"], "lines[0].line_id");
        assert_eq!(world.counts().await, before);

        let reship = |tracking: &str| json!({"lines": [{"line_id": "1", "quantity": 1}], "carrier": "Colissimo", "tracking_number": tracking});
        let sent = world
            .post(&case("reshipments"), &Who::MerchantAgent, &reship("6A501"))
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        assert_eq!(sent.body["case"]["status"], "open");
        // Lost again: the incident is the shop's to settle again.
        let lost = world
            .post(
                &case("reshipments/scan"),
                &Who::MerchantAgent,
                &json!({"status": "lost"}),
            )
            .await;
        assert_eq!(lost.status, 200, "{}", lost.body);
        assert_eq!(lost.body["case"]["status"], "open");
        assert_eq!(lost.body["case"]["waiting_on"], "merchant");
        // A second replacement, delivered: settled with the replacement.
        let again = world
            .post(&case("reshipments"), &Who::MerchantAgent, &reship("6A502"))
            .await;
        assert_eq!(again.status, 200, "{}", again.body);
        let delivered = world
            .post(
                &case("reshipments/scan"),
                &Who::OperatorKey,
                &json!({"status": "delivered"}),
            )
            .await;
        assert_eq!(delivered.status, 200, "{}", delivered.body);
        assert_eq!(delivered.body["case"]["status"], "resolved");
        assert_eq!(delivered.body["case"]["resolution"]["kind"], "replacement");
        let parcels = delivered.body["case"]["incident"]["reshipments"]
            .as_array()
            .unwrap();
        assert_eq!(parcels.len(), 2);
        assert_eq!(parcels[0]["status"], "lost");
        assert_eq!(parcels[1]["status"], "delivered");
        // The buyer sees the replacement's journey.
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let view = world.get(case("").trim_end_matches('/'), &buyer).await;
        let seen = types(&view);
        for kind in [
            "reshipped",
            "reshipment_lost",
            "reshipment_delivered",
            "resolved",
        ] {
            assert!(seen.contains(&kind.to_owned()), "{kind} in {seen:?}");
        }
        assert!(world.store.verify().await.unwrap().is_ok());
    }
}
