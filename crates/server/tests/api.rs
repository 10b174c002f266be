//! The API through real HTTP: a server on port 0 with a fresh database,
//! on SQLite and (when AMIABLE_TEST_DATABASE_URL is set) PostgreSQL.
//!
//! Every `/api/v1` route needs credentials, and the acting party is the one
//! they name: bodies carry no `actor`. Each case command has its endpoint.

mod common;

use amiable_domain::case::{Actor, Command};
use amiable_domain::case::{EscalationCommand, MoneyCommand, ReturnCommand};
use amiable_domain::ids::CaseId;
use amiable_domain::money::{Currency, Money};
use amiable_domain::text::Label;
use amiable_store::CommandRequest;
use common::{Reply, Who, World, png, worlds};
use serde_json::{Value, json};

const NIL: &str = "00000000-0000-4000-8000-000000000000";

/// A case as the merchant's agent reads it.
async fn case_of(world: &World, case_id: &str) -> Value {
    world
        .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
        .await
        .body
}

fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn code(reply: &Reply) -> Option<&str> {
    reply.body["code"].as_str()
}

/// The actor field the old API took in bodies; now always an unknown field.
fn merchant_actor() -> Value {
    json!({"kind": "merchant_user", "id": "agent-1"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness() {
    for world in worlds().await {
        let health = world.get("/healthz", &Who::Anonymous).await;
        assert_eq!((health.status, health.body), (200, json!({"status": "ok"})));
        let ready = world.get("/readyz", &Who::Anonymous).await;
        assert_eq!(ready.status, 200);
        assert_eq!(ready.body["database"], world.name);
        let nope = world.get("/nope", &Who::Anonymous).await;
        assert_eq!((nope.status, code(&nope)), (404, Some("route.not_found")));
        // Health needs no credentials; the API does.
        for path in ["/api/v1/cases", "/api/v1/orders"] {
            let reply = world.get(path, &Who::Anonymous).await;
            assert_eq!(
                (reply.status, code(&reply)),
                (401, Some("auth.required")),
                "{}: {path}",
                world.name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_and_a_case_round_trip_with_a_verifiable_timeline() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "CMD-1").await;
        let again = world
            .post(
                "/api/v1/orders",
                &Who::OperatorKey,
                &World::order_body(Some(world.merchant_id), "CMD-1"),
            )
            .await;
        assert_eq!(
            (again.status, again.body["order"]["id"].as_str()),
            (200, Some(order_id.as_str())),
            "{}: upsert",
            world.name
        );
        // A merchant's own key names no merchant: its own is implied.
        let own = world
            .post(
                "/api/v1/orders",
                &Who::MerchantKey,
                &World::order_body(None, "CMD-1"),
            )
            .await;
        assert_eq!(
            (own.status, own.body["order"]["id"].as_str()),
            (200, Some(order_id.as_str())),
            "{}: upsert with the merchant's key",
            world.name
        );
        let order = world
            .get(&format!("/api/v1/orders/{order_id}"), &Who::MerchantAgent)
            .await;
        assert_eq!(order.status, 200);
        assert_eq!(
            order.body["order"]["lines"][1]["flags"],
            json!(["personalised"])
        );
        let found = world
            .get("/api/v1/orders?number=CMD-1", &Who::MerchantKey)
            .await;
        assert_eq!(found.status, 200, "{}", found.body);
        let ids: Vec<&str> = found.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["order"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![order_id.as_str()]);
        // Bulk: one update, one creation.
        let bulk = world
            .post(
                "/api/v1/orders/bulk",
                &Who::MerchantKey,
                &json!({"orders": [World::order_body(None, "CMD-1")["order"],
                                   World::order_body(None, "CMD-2")["order"]]}),
            )
            .await;
        assert_eq!(
            (
                bulk.status,
                bulk.body["created"].as_u64(),
                bulk.body["updated"].as_u64()
            ),
            (200, Some(1), Some(1)),
            "{}",
            bulk.body
        );
        let all = world.get("/api/v1/orders", &Who::MerchantAgent).await;
        assert_eq!(
            all.body["items"].as_array().unwrap().len(),
            2,
            "{}",
            all.body
        );

        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let messages = format!("/api/v1/cases/{case_id}/messages");
        let message = json!({"expected_version": 1, "body": "Bonjour Claire, voici votre étiquette de retour."});
        let reply = world.post(&messages, &Who::MerchantAgent, &message).await;
        assert_eq!(
            (reply.status, reply.body["version"].as_i64()),
            (200, Some(2)),
            "{}",
            reply.body
        );
        assert_eq!(reply.headers["etag"], "\"2\"");

        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        assert_eq!(case.status, 200);
        assert_eq!(case.headers["etag"], "\"2\"");
        assert_eq!(case.body["case"]["status"], "open");
        assert_eq!(case.body["case"]["waiting_on"], "buyer");
        let timeline = case.body["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 2);
        assert_eq!(timeline[0]["type"], "opened");
        // The parties come from the credentials.
        assert_eq!(timeline[0]["actor"], json!({"kind": "buyer"}));
        assert_eq!(timeline[1]["actor"]["kind"], "merchant_user");
        assert_eq!(
            timeline[1]["data"]["body"],
            "Bonjour Claire, voici votre étiquette de retour."
        );
        assert_eq!(timeline[1]["prev_hash"], timeline[0]["hash"]);
        assert_eq!(case.body["last_hash"], timeline[1]["hash"]);

        // The buyer answers, naming the version it saw in If-Match.
        let reply = World::send(
            world
                .request("POST", &messages, &buyer)
                .header("if-match", "\"2\"")
                .json(&json!({"body": "Merci, je renvoie le pull demain."})),
        )
        .await;
        assert_eq!(
            (reply.status, reply.body["version"].as_i64()),
            (200, Some(3)),
            "{}",
            reply.body
        );
        assert_eq!(reply.body["events"][0]["actor"], json!({"kind": "buyer"}));
        assert_eq!(reply.body["case"]["waiting_on"], "merchant");

        let list = world
            .get(
                &format!(
                    "/api/v1/cases?merchant_id={}&status=open&kind=incident",
                    world.merchant_id
                ),
                &Who::MerchantAgent,
            )
            .await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(list.body["next_cursor"], Value::Null);
        let none = world
            .get(
                &format!(
                    "/api/v1/cases?merchant_id={}&status=closed",
                    world.merchant_id
                ),
                &Who::MerchantAgent,
            )
            .await;
        assert!(none.body["items"].as_array().unwrap().is_empty());
        let mine = world.get("/api/v1/cases", &buyer).await;
        assert_eq!(
            mine.body["items"].as_array().unwrap().len(),
            1,
            "{}",
            mine.body
        );
        assert!(world.store.verify().await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_problem_document_and_changes_nothing() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "CMD-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let neighbour = world.order_at(world.other_merchant_id, "VOISIN-1").await;
        let before = world.counts().await;
        let command = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");

        // No credentials: refused before anything is read.
        let anonymous = world
            .post(
                "/api/v1/cases",
                &Who::Anonymous,
                &json!({"order_id": order_id, "kind": "incident", "reason": "not_received", "description": "x"}),
            )
            .await;
        assert_eq!(
            (anonymous.status, code(&anonymous)),
            (401, Some("auth.required"))
        );

        // Not JSON at all.
        let reply = World::send(
            world
                .request("POST", "/api/v1/cases", &Who::OperatorKey)
                .body("kind=return"),
        )
        .await;
        assert_eq!(reply.status, 415);
        let reply = World::send(
            world
                .request("POST", "/api/v1/cases", &Who::OperatorKey)
                .header("content-type", "application/json")
                .body("{\"order_id\": "),
        )
        .await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.body["code"], "request.malformed_json");
        // One JSON value, and nothing after it.
        let trailing = format!(
            r#"{{"order_id": "{order_id}", "kind": "incident", "reason": "not_received", "description": "x"}} ]]]"#
        );
        let reply = World::send(
            world
                .request("POST", "/api/v1/cases", &Who::OperatorKey)
                .header("content-type", "application/json")
                .body(trailing),
        )
        .await;
        assert_eq!(reply.status, 400, "trailing data is malformed JSON");

        let cases: Vec<(Value, u16, &str, &str)> = vec![
            // (body, status, code, field)
            (json!({"kind": "return"}), 422, "field.missing", ""),
            (
                json!({"order_id": order_id, "kind": "refund", "reason": "changed_mind", "description": "x"}),
                422,
                "field.unknown_value",
                "kind",
            ),
            (
                json!({"order_id": order_id, "kind": "return", "reason": "broken", "description": "x"}),
                422,
                "reason.unknown",
                "reason",
            ),
            (
                json!({"order_id": order_id, "kind": "return", "reason": "changed_mind", "description": "x".repeat(10_001),
                    "items": [{"line_id": "1", "quantity": 1}]}),
                422,
                "text.too_long",
                "description",
            ),
            (
                json!({"order_id": order_id, "kind": "return", "reason": "changed_mind", "description": "x",
                    "items": [{"line_id": "9", "quantity": 1}]}),
                422,
                "case.unknown_line",
                "items[0].line_id",
            ),
            (
                json!({"order_id": order_id, "kind": "return", "reason": "changed_mind", "description": "x",
                    "items": [{"line_id": "1", "quantity": 3}]}),
                422,
                "case.quantity_exceeds_order",
                "items[0].quantity",
            ),
            (
                json!({"order_id": order_id, "kind": "return", "reason": "changed_mind", "description": "x",
                    "items": [{"line_id": "1", "quantity": -1}]}),
                422,
                "quantity.not_positive",
                "items[0].quantity",
            ),
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received", "description": "x",
                    "claimed": {"amount_minor": 9_999_999, "currency": "EUR"}}),
                422,
                "case.amount_exceeds_order",
                "claimed.amount_minor",
            ),
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received", "description": "x",
                    "claimed": {"amount_minor": 100, "currency": "USD"}}),
                422,
                "money.currency_mismatch",
                "claimed.currency",
            ),
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received", "description": "x",
                    "claimed": {"amount_minor": 1.5, "currency": "EUR"}}),
                422,
                "field.invalid",
                "claimed.amount_minor",
            ),
            (
                json!({"order_id": NIL, "kind": "incident", "reason": "not_received",
                    "description": "x"}),
                422,
                "order.not_found",
                "order_id",
            ),
            (
                json!({"order_id": "not-a-uuid", "kind": "incident", "reason": "not_received", "description": "x"}),
                422,
                "field.invalid",
                "order_id",
            ),
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received", "description": "x", "extra": 1}),
                422,
                "field.unknown",
                "",
            ),
            // The acting party comes from the credentials: an actor in the body is an unknown field.
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received", "description": "x",
                    "actor": {"kind": "buyer"}}),
                422,
                "field.unknown",
                "",
            ),
        ];
        for who in [Who::OperatorKey, Who::MerchantAgent, buyer.clone()] {
            for (body, status, code, field) in &cases {
                let problem = world.post("/api/v1/cases", &who, body).await;
                assert_eq!(
                    (problem.status, problem.body["code"].as_str()),
                    (*status, Some(*code)),
                    "{} as {}: {}",
                    world.name,
                    who.label(),
                    problem.body
                );
                if !field.is_empty() {
                    assert_eq!(
                        problem.body["errors"][0]["field"], *field,
                        "{}",
                        problem.body
                    );
                }
            }
        }
        // An order of another merchant is out of the merchant's reach: absent.
        let problem = world
            .post(
                "/api/v1/cases",
                &Who::MerchantAgent,
                &json!({"order_id": neighbour, "kind": "incident", "reason": "not_received", "description": "x"}),
            )
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (422, Some("order.not_found"))
        );

        let mut bad_order = World::order_body(Some(world.merchant_id), "CMD-2");
        bad_order["order"]["lines"][0]["unit_price_minor"] = json!(-5);
        bad_order["order"]["buyer"]["email"] = json!("claire");
        let problem = world
            .post("/api/v1/orders", &Who::OperatorKey, &bad_order)
            .await;
        assert_eq!(problem.status, 422);
        let fields: Vec<&str> = problem.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"order.lines[0].unit_price_minor")
                && fields.contains(&"order.buyer.email"),
            "{}",
            problem.body
        );
        let mut overflow = World::order_body(Some(world.merchant_id), "CMD-3");
        overflow["order"]["lines"][0]["unit_price_minor"] = json!(i64::MAX);
        assert_eq!(
            world
                .post("/api/v1/orders", &Who::OperatorKey, &overflow)
                .await
                .status,
            422
        );
        let mut huge = World::order_body(Some(world.merchant_id), "CMD-4");
        huge["order"]["lines"][0]["unit_price_minor"] = json!(u64::MAX);
        assert_eq!(
            world
                .post("/api/v1/orders", &Who::OperatorKey, &huge)
                .await
                .status,
            422
        );
        for merchant in [json!(NIL), json!(world.foreign_merchant_id)] {
            let mut foreign = World::order_body(None, "CMD-5");
            foreign["merchant_id"] = merchant;
            let problem = world
                .post("/api/v1/orders", &Who::OperatorKey, &foreign)
                .await;
            assert_eq!(
                (problem.status, code(&problem)),
                (422, Some("merchant.not_found")),
                "{}",
                problem.body
            );
        }
        // The operator's key must name the merchant.
        let problem = world
            .post(
                "/api/v1/orders",
                &Who::OperatorKey,
                &World::order_body(None, "CMD-6"),
            )
            .await;
        assert_eq!(
            (problem.status, problem.body["errors"][0]["field"].as_str()),
            (422, Some("merchant_id"))
        );
        let actor_in_order = {
            let mut body = World::order_body(Some(world.merchant_id), "CMD-7");
            body["actor"] = merchant_actor();
            body
        };
        let problem = world
            .post("/api/v1/orders", &Who::OperatorKey, &actor_in_order)
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (422, Some("field.unknown"))
        );

        // Commands: stale version, illegal transition, wrong party, unknown case.
        let message = |version: i64| json!({"expected_version": version, "body": "Bonjour"});
        let problem = world
            .post(&command("messages"), &Who::MerchantAgent, &message(7))
            .await;
        assert_eq!(
            (
                problem.status,
                code(&problem),
                problem.body["current_version"].as_i64()
            ),
            (409, Some("case.version_conflict"), Some(1))
        );
        // The same through If-Match.
        let problem = World::send(
            world
                .request("POST", &command("messages"), &Who::MerchantAgent)
                .header("if-match", "\"7\"")
                .json(&json!({"body": "Bonjour"})),
        )
        .await;
        assert_eq!(
            (
                problem.status,
                code(&problem),
                problem.body["current_version"].as_i64()
            ),
            (409, Some("case.version_conflict"), Some(1))
        );
        // A header that is no version, one that disagrees with the body, and a version below 1.
        let problem = World::send(
            world
                .request("POST", &command("messages"), &Who::MerchantAgent)
                .header("if-match", "\"seven\"")
                .json(&json!({"body": "Bonjour"})),
        )
        .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (400, Some("case.version_invalid"))
        );
        let problem = World::send(
            world
                .request("POST", &command("messages"), &Who::MerchantAgent)
                .header("if-match", "\"1\"")
                .json(&message(2)),
        )
        .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (422, Some("case.version_invalid"))
        );
        let problem = world
            .post(&command("messages"), &Who::MerchantAgent, &message(0))
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (422, Some("case.version_invalid"))
        );
        let problem = world
            .post(
                &command("close"),
                &Who::MerchantAgent,
                &json!({"expected_version": 1}),
            )
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (409, Some("case.invalid_status"))
        );
        // Notes are staff-only: a buyer may not even ask.
        let problem = world
            .post(
                &command("notes"),
                &buyer,
                &json!({"expected_version": 1, "body": "x"}),
            )
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (403, Some("auth.forbidden"))
        );
        // The decider's own rule: a buyer climbs one rung at a time.
        let problem = world
            .post(
                &command("escalate"),
                &buyer,
                &json!({"to": "arbitration", "reason": "Aucune réponse"}),
            )
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (403, Some("case.party_not_allowed")),
            "{}",
            problem.body
        );
        for unknown in [NIL.to_owned(), random_id(), "not-a-uuid".to_owned()] {
            let problem = world
                .post(
                    &format!("/api/v1/cases/{unknown}/messages"),
                    &Who::MerchantAgent,
                    &message(1),
                )
                .await;
            assert_eq!(
                (problem.status, code(&problem)),
                (404, Some("case.not_found")),
                "{unknown}"
            );
        }
        // No such command: no such route.
        let problem = world
            .post(
                &command("teleport"),
                &Who::MerchantAgent,
                &json!({"expected_version": 1}),
            )
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (404, Some("route.not_found"))
        );
        // No such value: the field is named.
        let problem = world
            .post(
                &command("resolve"),
                &Who::MerchantAgent,
                &json!({"expected_version": 1, "resolution": {"kind": "teleport"}}),
            )
            .await;
        assert_eq!(
            (
                problem.status,
                code(&problem),
                problem.body["errors"][0]["field"].as_str()
            ),
            (422, Some("field.unknown_value"), Some("resolution.kind"))
        );
        // The old `actor` field is unknown to every command.
        for (verb, body) in [
            ("messages", json!({"body": "Bonjour"})),
            ("notes", json!({"body": "Bonjour"})),
            ("offers", json!({"terms": {"kind": "replacement"}})),
            ("offers/1/accept", json!({})),
            ("offers/1/decline", json!({})),
            ("escalate", json!({"reason": "Pas de réponse"})),
            (
                "decision",
                json!({"decision": {"outcome": "buyer_favoured", "resolution": {"kind": "replacement"},
                                    "rationale": "Article non conforme"}}),
            ),
            ("resolve", json!({"resolution": {"kind": "replacement"}})),
            ("reopen", json!({"reason": "Pas reçu"})),
            ("close", json!({})),
            ("cancel", json!({"reason": "Erreur"})),
        ] {
            let mut body = body;
            body["actor"] = merchant_actor();
            let who = if verb == "decision" {
                Who::Mediator
            } else {
                Who::MerchantAgent
            };
            let problem = world.post(&command(verb), &who, &body).await;
            assert_eq!(
                (problem.status, code(&problem)),
                (422, Some("field.unknown")),
                "{}: {verb}: {}",
                world.name,
                problem.body
            );
        }
        let problem = world
            .get(
                "/api/v1/cases?status=nope&limit=0&colour=red",
                &Who::OperatorAdmin,
            )
            .await;
        assert_eq!(
            (
                problem.status,
                problem.body["errors"].as_array().map(Vec::len)
            ),
            (400, Some(3))
        );

        // Over the body limit.
        let big = json!({"expected_version": 1, "body": "é".repeat(600_000)});
        let problem = world
            .post(&command("messages"), &Who::MerchantAgent, &big)
            .await;
        assert_eq!(
            (problem.status, code(&problem)),
            (413, Some("request.too_large"))
        );

        assert_eq!(
            world.counts().await,
            before,
            "{}: failed requests wrote nothing",
            world.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_auto_closes_a_quiet_resolved_case() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "CMD-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let resolve = json!({"expected_version": 1, "resolution": {"kind": "return_and_refund"}});
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/resolve"),
                &Who::MerchantAgent,
                &resolve,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);

        // Not yet: nothing is due.
        let now = jiff::Timestamp::now();
        assert_eq!(
            amiable_app::jobs::run_due(
                &world.store,
                world.state.app().gateway().as_ref(),
                "w",
                now
            )
            .await
            .unwrap(),
            0
        );
        // Fifteen days later the timer fires and closes the case.
        let later = now + jiff::SignedDuration::from_hours(15 * 24);
        assert_eq!(
            amiable_app::jobs::run_due(
                &world.store,
                world.state.app().gateway().as_ref(),
                "w",
                later
            )
            .await
            .unwrap(),
            1,
            "{}",
            world.name
        );
        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        assert_eq!(case.body["case"]["status"], "closed");
        let last = case.body["timeline"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            (last["type"].as_str(), last["data"]["reason"].as_str()),
            (Some("closed"), Some("inactivity"))
        );
        assert_eq!(
            last["actor"],
            json!({"kind": "system", "id": "case.auto_close"})
        );
        assert_eq!(world.store.pending_jobs().await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_after_resolution_postpones_the_auto_close() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "CMD-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let resolve = json!({"expected_version": 1, "resolution": {"kind": "return_and_refund"}});
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/resolve"),
                &Who::MerchantAgent,
                &resolve,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let message =
            json!({"expected_version": 2, "body": "Merci, j'ai bien reçu le remboursement."});
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/messages"),
                &buyer,
                &message,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // Pretend the message came a week after the resolution: the job then reschedules.
        let record = world
            .store
            .case(amiable_domain::ids::CaseId::parse(&case_id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let due = record.state.resolved_at.unwrap() + jiff::SignedDuration::from_hours(14 * 24);
        let ran = amiable_app::jobs::run_due(
            &world.store,
            world.state.app().gateway().as_ref(),
            "w",
            due + jiff::SignedDuration::from_secs(1),
        )
        .await
        .unwrap();
        assert_eq!(ran, 1);
        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        // The message was at most seconds after resolution, so 14 days + 1 s after resolution is past its quiet period too.
        assert_eq!(case.body["case"]["status"], "closed", "{}", world.name);
    }
}

/// A binding decision, or an accepted offer, that calls for money is not a settlement:
/// the case stays open and in the merchant's inbox, awaiting the payment by a named party
/// with a due date, until the refund is recorded through the ledger and the gateway. The
/// mediator decides but cannot pay.
#[tokio::test]
async fn a_decision_or_an_agreement_that_calls_for_money_is_settled_only_once_paid() {
    for world in worlds().await {
        // A binding decision: full refund in the buyer's favour.
        let order_id = world.order_at(world.merchant_id, "CMD-DECIDE-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let command = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");
        let reply = world
            .post(
                &command("escalate"),
                &Who::OperatorAdmin,
                &json!({"to": "arbitration", "reason": "Pas d'accord"}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = world
            .post(
                &command("decision"),
                &Who::Mediator,
                &json!({"decision": {"outcome": "buyer_favoured", "resolution": {"kind": "full_refund"},
                                     "rationale": "Colis arrivé endommagé, photos à l'appui"}}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let case = case_of(&world, &case_id).await;
        assert_eq!(case["case"]["status"], "open", "{case}");
        assert_eq!(case["case"]["resolution"], Value::Null);
        assert_eq!(
            case["case"]["awaiting_payment"]["terms"]["kind"],
            "full_refund"
        );
        assert_eq!(case["case"]["awaiting_payment"]["by"], "merchant");
        assert_eq!(case["case"]["waiting_on"], "merchant");
        let due = case["case"]["awaiting_payment"]["due"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(case["next_deadline_at"].as_str(), Some(due.as_str()));
        // Still in the merchant's inbox of open cases.
        let inbox = world
            .get("/api/v1/cases?status=open&limit=200", &Who::MerchantAgent)
            .await
            .body;
        assert!(
            inbox["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["case_id"] == case_id.as_str()),
            "{inbox}"
        );
        // Nobody settles it another way meanwhile.
        let reply = world
            .post(
                &command("resolve"),
                &Who::MerchantAgent,
                &json!({"resolution": {"kind": "full_refund"}}),
            )
            .await;
        assert_eq!(
            (reply.status, code(&reply)),
            (422, Some("case.payment_awaited"))
        );
        // The mediator may not pay.
        let reply = world
            .post(&command("refunds"), &Who::Mediator, &json!({}))
            .await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        // The merchant pays what was decided: what the case calls for (the claim, or
        // the order), through the gateway; the case is then settled as decided.
        let reply = world
            .post(&command("refunds"), &Who::MerchantAgent, &json!({}))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let case = case_of(&world, &case_id).await;
        assert_eq!(case["case"]["status"], "resolved", "{case}");
        assert_eq!(case["case"]["resolution"]["kind"], "full_refund");
        assert_eq!(case["case"]["awaiting_payment"], Value::Null);
        let refunded: i64 = case["case"]["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["amount"]["amount_minor"].as_i64().unwrap())
            .sum();
        assert_eq!(refunded, 11480, "the whole order was refunded: {case}");

        // A partial refund offered by the shop and accepted by the buyer.
        let order_id = world.order_at(world.merchant_id, "CMD-AGREE-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let case_id = world.case_on(&order_id, &buyer).await;
        let command = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");
        let reply = world
            .post(
                &command("offers"),
                &Who::MerchantAgent,
                &json!({"terms": {"kind": "partial_refund",
                                  "amount": {"amount_minor": 1500, "currency": "EUR"}}}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = world
            .post(&command("offers/1/accept"), &buyer, &json!({}))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let case = world
            .get(&format!("/api/v1/cases/{case_id}"), &buyer)
            .await
            .body;
        assert_eq!(case["case"]["status"], "open", "{case}");
        assert_eq!(
            case["case"]["awaiting_payment"]["terms"]["amount"]["amount_minor"],
            1500
        );
        // Paid in two parts: settled with the second.
        let part = |minor: i64| json!({"amount": {"amount_minor": minor, "currency": "EUR"}});
        let reply = world
            .post(&command("refunds"), &Who::MerchantAgent, &part(1000))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let case = case_of(&world, &case_id).await;
        assert_eq!(
            case["case"]["status"], "open",
            "half paid is not paid: {case}"
        );
        let reply = world
            .post(&command("refunds"), &Who::MerchantAgent, &json!({}))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let case = case_of(&world, &case_id).await;
        assert_eq!(case["case"]["status"], "resolved", "{case}");
        assert_eq!(case["case"]["resolution"]["kind"], "partial_refund");
        assert_eq!(case["case"]["refunds"][1]["amount"]["amount_minor"], 500);
    }
}

/// A capture above what the order is worth is refused: refunds are bounded by the
/// capture, so three cases on a 114,80 € order must never give back 300 €.
#[tokio::test]
async fn a_capture_above_the_order_total_is_refused() {
    for world in worlds().await {
        let before = world.counts().await;
        let mut body = World::order_body(Some(world.merchant_id), "CMD-SURCAPTURE");
        body["order"]["payment"]["captured_minor"] = json!(1_000_000);
        let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(reply.status, 422, "{}: {}", world.name, reply.body);
        let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors
                .iter()
                .any(|e| e["code"] == "payment.exceeds_order_total"
                    && e["field"]
                        .as_str()
                        .is_some_and(|f| f.ends_with("payment.captured_minor"))),
            "{}",
            reply.body
        );
        assert!(
            errors.iter().any(|e| e["message"]
                .as_str()
                .is_some_and(|m| m.contains("10,000.00") && m.contains("114.80"))),
            "the message names both amounts: {}",
            reply.body
        );
        assert_eq!(world.counts().await, before, "nothing written");
        // The order's worth exactly (lines and delivery) is a capture like any other.
        body["order"]["payment"]["captured_minor"] = json!(2 * 4500 + 1990 + 490);
        let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
}

/// An unknown member is refused at every depth, not only at the top: a
/// misspelt `bonus_percnt` must not silently become an offer without bonus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_refused_at_every_depth() {
    let mut failures = Vec::new();
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "CMD-1").await;
        // Each command on its own case, in the state where it would succeed.
        let mut seq = 0;
        let mut cases = Vec::new();
        for setup in [Setup::Open, Setup::Open, Setup::Open, Setup::Arbitration] {
            cases.push(fresh_case(&world, setup, &mut seq).await);
        }
        let before = world.counts().await;
        let command = |index: usize, verb: &str| format!("/api/v1/cases/{}/{verb}", cases[index]);
        let open = |extra: Value| {
            let mut body = json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                                  "items": [{"line_id": "1", "quantity": 1}],
                                  "claimed": {"amount_minor": 4500, "currency": "EUR"},
                                  "description": "Le pull ne me va pas."});
            for (pointer, value) in extra.as_object().unwrap() {
                let object = body.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
                object.insert("typo".to_owned(), value.clone());
            }
            body
        };
        let requests = [
            (
                "/api/v1/cases".to_owned(),
                Who::MerchantAgent,
                open(json!({"/items/0": 2})),
            ),
            (
                "/api/v1/cases".to_owned(),
                Who::MerchantAgent,
                open(json!({"/claimed": 1})),
            ),
            (
                command(0, "offers"),
                Who::MerchantAgent,
                json!({"terms": {"kind": "store_credit", "amount": {"amount_minor": 4500, "currency": "EUR"},
                                 "bonus_percnt": 10}}),
            ),
            (
                command(1, "offers"),
                Who::MerchantAgent,
                json!({"terms": {"kind": "store_credit",
                                 "amount": {"amount_minor": 4500, "currency": "EUR", "bonus_percent": 10}}}),
            ),
            (
                command(2, "resolve"),
                Who::MerchantAgent,
                json!({"resolution": {"kind": "replacement", "notes": "Envoi sous 48 h"}}),
            ),
            (
                command(3, "decision"),
                Who::Mediator,
                json!({"decision": {"outcome": "buyer_favoured", "resolution": {"kind": "replacement"},
                                    "rationale": "Article non conforme", "binding": true}}),
            ),
        ];
        for (path, who, body) in requests {
            let reply = world.post(&path, &who, &body).await;
            if (reply.status, code(&reply)) != (422, Some("field.unknown")) {
                failures.push(format!(
                    "{}: POST {path} as {} with {body}: expected 422 field.unknown, got {} {}",
                    world.name,
                    who.label(),
                    reply.status,
                    short(&reply.body)
                ));
            }
        }
        let after = world.counts().await;
        if after != before {
            failures.push(format!(
                "{}: refused requests wrote: (orders, cases, events) {before:?} -> {after:?}",
                world.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The state a command's case must be in for its valid body to succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// Just opened by the buyer (version 1).
    Open,
    /// The buyer proposed offer 1 to the merchant (version 2).
    OfferToMerchant,
    /// Escalated to arbitration by the mediator (version 2).
    Arbitration,
    /// Resolved by the merchant (version 2).
    Resolved,
    /// A return of one unit of line 1 asked for by the buyer (version 2:
    /// opened, return requested).
    ReturnRequested,
    /// The return authorised through the store, without its label: the
    /// handler books the label, not the decider (version 3).
    ReturnAuthorised,
    /// The return authorised by the merchant, its label booked at once (version 4).
    ReturnLabelled,
    /// The labelled return came back (version 5).
    ReturnReceived,
    /// Authorised, with refund 1 recorded and left pending: the gateway
    /// settles a refund made through the API at once (version 4).
    RefundPending,
    /// Authorised, and the buyer accepted the merchant's offer of store credit
    /// (a withdrawal is otherwise refunded in money, L221-24) (version 5).
    ReturnCreditAgreed,
    /// Authorised, and the buyer accepted an exchange (version 5).
    ReturnExchangeAgreed,
    /// Escalated to mediation by the mediator (version 2).
    Mediation,
    /// Arbitrated: a split decision by the operator's admin (version 3).
    Decided,
    /// …appealed by the shop (version 4).
    Appealed,
    /// A replacement parcel on its way (version 2).
    Reshipped,
    /// A claim filed against the carrier (version 2).
    Claimed,
    /// "Not received" on the late order (`LATE-1`, 40 days old, never shipped), opened 6 days ago.
    Late,
    /// …with the buyer's new delivery deadline passed (version 2).
    LatePassed,
    /// A decision taken 20 days ago and never appealed: final.
    Final,
    /// An agent's goodwill gesture above the shop's threshold, waiting for approval (version 2).
    GestureRequested,
}

/// Where a body goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// An absolute path.
    Top(&'static str),
    /// A path under `/api/v1/cases/{case_id}` on a fresh case in that state.
    Case(&'static str, Setup),
}

struct Endpoint {
    target: Target,
    who: Who,
    /// A body that succeeds on a fresh target.
    valid: Value,
    /// Members (JSON pointers) whose removal makes the body invalid.
    required: &'static [&'static str],
    /// Members holding a closed set of values.
    enums: &'static [&'static str],
    /// Members holding the id of something that must exist and be in reach.
    ids: &'static [&'static str],
    /// Amounts the domain deliberately leaves uncapped (a payment as the shop
    /// reports it, store credit): the largest integer is a legitimate value.
    uncapped: &'static [&'static str],
    /// Bespoke invalid variants.
    extra: Vec<(&'static str, Value)>,
}

impl Endpoint {
    fn name(&self) -> &'static str {
        match self.target {
            Target::Top(path) | Target::Case(path, _) => path,
        }
    }
}

/// A fresh order with a case in `setup`'s state; returns the case id.
async fn fresh_case(world: &World, setup: Setup, seq: &mut usize) -> String {
    *seq += 1;
    let order_id = world
        .order_at(world.merchant_id, &format!("FUZZ-{seq}"))
        .await;
    let buyer = Who::Buyer(world.buyer_token(&order_id).await);
    if let Some(case_id) = fresh_return(world, setup, &order_id, &buyer).await {
        return case_id;
    }
    match setup {
        Setup::Late | Setup::LatePassed => {
            let late = world
                .store
                .order_by_external_id(
                    world.merchant_id,
                    &amiable_domain::ids::ExternalId::parse("LATE-1").unwrap(),
                )
                .await
                .unwrap()
                .expect("the late order")
                .order;
            let case_id = open_ago(world, &late.id.to_string(), "not_received", 6).await;
            if setup == Setup::LatePassed {
                let deliver_by = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(72))
                    .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
                    .date();
                run_ago(
                    world,
                    &case_id,
                    amiable_domain::case::Actor::Buyer,
                    amiable_domain::case::Command::Incident(
                        amiable_domain::case::IncidentCommand::SetDeliveryDeadline { deliver_by },
                    ),
                    5,
                )
                .await;
            }
            return case_id;
        }
        Setup::Final => {
            let case_id = open_ago(world, &order_id, "damaged_in_transit", 25).await;
            let operator = || amiable_domain::case::Actor::OperatorUser { id: "o1".into() };
            let escalate = serde_json::from_value(
                json!({"command": "escalate", "to": "arbitration", "reason": "Arbitrage"}),
            )
            .unwrap();
            run_ago(world, &case_id, operator(), escalate, 24).await;
            let decide = serde_json::from_value(json!({"command": "record_decision", "decision": {
                "outcome": "split",
                "resolution": {"kind": "partial_refund", "amount": {"amount_minor": 1000, "currency": "EUR"}},
                "rationale": "Chacun porte une part du dommage constaté."}}))
            .unwrap();
            run_ago(world, &case_id, operator(), decide, 20).await;
            return case_id;
        }
        _ => {}
    }
    let case_id = world.case_on(&order_id, &buyer).await;
    let path = |verb: &str| format!("/api/v1/cases/{case_id}/{verb}");
    let decided = |path: &dyn Fn(&str) -> String| {
        vec![
            (
                path("escalate"),
                Who::Mediator,
                json!({"to": "arbitration", "reason": "Arbitrage demandé"}),
            ),
            (
                path("decision"),
                Who::OperatorAdmin,
                json!({"decision": {"outcome": "split",
                                    "resolution": {"kind": "partial_refund", "amount": {"amount_minor": 1000, "currency": "EUR"}},
                                    "rationale": "Chacun porte une part du dommage constaté."}}),
            ),
        ]
    };
    let steps = match setup {
        Setup::Mediation => vec![(
            path("escalate"),
            Who::Mediator,
            json!({"to": "mediation", "reason": "Médiation demandée"}),
        )],
        Setup::Decided => decided(&path),
        Setup::Appealed => {
            let mut steps = decided(&path);
            steps.push((
                path("appeal"),
                Who::MerchantAgent,
                json!({"grounds": "Le colis a été livré à la bonne adresse."}),
            ));
            steps
        }
        Setup::Reshipped => vec![(
            path("reshipments"),
            Who::MerchantAgent,
            json!({"lines": [{"line_id": "1", "quantity": 1}], "carrier": "Colissimo", "tracking_number": "6A1"}),
        )],
        Setup::Claimed => vec![(
            path("carrier-claim"),
            Who::MerchantAgent,
            json!({"carrier": "Colissimo", "reference": "RCL-1", "amount": {"amount_minor": 4500, "currency": "EUR"}}),
        )],
        Setup::GestureRequested => vec![(
            path("compensation"),
            Who::MerchantAgent,
            json!({"kind": "voucher", "amount": {"amount_minor": 2000, "currency": "EUR"}, "request_approval": true}),
        )],
        _ => Vec::new(),
    };
    for (path, who, body) in steps {
        let reply = world.post(&path, &who, &body).await;
        assert_eq!(reply.status, 200, "fixture {setup:?}: {}", reply.body);
    }
    let step = match setup {
        Setup::Mediation
        | Setup::Decided
        | Setup::Appealed
        | Setup::Reshipped
        | Setup::Claimed
        | Setup::GestureRequested
        | Setup::Late
        | Setup::LatePassed
        | Setup::Final => None,
        Setup::Open => None,
        Setup::OfferToMerchant => Some((
            path("offers"),
            buyer.clone(),
            json!({"terms": {"kind": "replacement"}}),
        )),
        Setup::Arbitration => Some((
            path("escalate"),
            Who::Mediator,
            json!({"to": "arbitration", "reason": "Arbitrage demandé"}),
        )),
        Setup::Resolved => Some((
            path("resolve"),
            Who::MerchantAgent,
            json!({"resolution": {"kind": "replacement"}}),
        )),
        Setup::ReturnRequested
        | Setup::ReturnAuthorised
        | Setup::ReturnLabelled
        | Setup::ReturnReceived
        | Setup::RefundPending
        | Setup::ReturnCreditAgreed
        | Setup::ReturnExchangeAgreed => unreachable!("returns are set up by fresh_return"),
    };
    if let Some((path, who, body)) = step {
        let reply = world.post(&path, &who, &body).await;
        assert_eq!(reply.status, 200, "fixture {setup:?}: {}", reply.body);
    }
    case_id
}

/// For the return setups: the buyer asks to return one unit of line 1, and the
/// return is taken to `setup`'s stage; `None` for the other setups.
async fn fresh_return(world: &World, setup: Setup, order_id: &str, buyer: &Who) -> Option<String> {
    let (authorise_over_http, then) = match setup {
        Setup::Open
        | Setup::OfferToMerchant
        | Setup::Arbitration
        | Setup::Resolved
        | Setup::Mediation
        | Setup::Decided
        | Setup::Appealed
        | Setup::Reshipped
        | Setup::Claimed
        | Setup::Late
        | Setup::LatePassed
        | Setup::Final
        | Setup::GestureRequested => {
            return None;
        }
        Setup::ReturnRequested => return Some(return_requested(world, order_id, buyer).await),
        Setup::ReturnAuthorised => (false, None),
        Setup::ReturnLabelled => (true, None),
        Setup::ReturnReceived => (
            true,
            Some(json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "new"}]})),
        ),
        Setup::RefundPending | Setup::ReturnCreditAgreed | Setup::ReturnExchangeAgreed => {
            (false, None)
        }
    };
    let case_id = return_requested(world, order_id, buyer).await;
    let path = |verb: &str| format!("/api/v1/cases/{case_id}/return/{verb}");
    if authorise_over_http {
        let reply = world
            .post(
                &path("authorise"),
                &Who::MerchantAgent,
                &json!({"returnless": false}),
            )
            .await;
        assert_eq!(reply.status, 200, "fixture {setup:?}: {}", reply.body);
        // The buyer pays this return (statutory policy): no label comes by itself; the shop issues one.
        assert_eq!(reply.body["case"]["returns"]["stage"], "authorised");
        let reply = world
            .post(&path("label"), &Who::MerchantAgent, &json!({}))
            .await;
        assert_eq!(reply.status, 200, "fixture {setup:?}: {}", reply.body);
        assert_eq!(
            reply.body["case"]["returns"]["stage"], "label_issued",
            "fixture {setup:?}: {}",
            reply.body
        );
    } else {
        store_command(
            world,
            &case_id,
            Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
        )
        .await;
    }
    if let Some(body) = then {
        let reply = world
            .post(&path("receive"), &Who::MerchantAgent, &body)
            .await;
        assert_eq!(reply.status, 200, "fixture {setup:?}: {}", reply.body);
    }
    let agreed = match setup {
        Setup::ReturnCreditAgreed => Some(
            json!({"kind": "store_credit", "amount": {"amount_minor": 4500, "currency": "EUR"}, "bonus_percent": 10}),
        ),
        Setup::ReturnExchangeAgreed => Some(json!({"kind": "exchange"})),
        _ => None,
    };
    if let Some(terms) = agreed {
        store_command(
            world,
            &case_id,
            Command::Escalation(EscalationCommand::ProposeOffer {
                terms: serde_json::from_value(terms).unwrap(),
                message: None,
            }),
        )
        .await;
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/offers/1/accept"),
                buyer,
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 200, "fixture {setup:?}: {}", reply.body);
    }
    if let Setup::RefundPending = setup {
        store_command(
            world,
            &case_id,
            Command::Money(MoneyCommand::Refund {
                amount: Some(Money::new(4500, Currency::EUR)),
                deductions: Vec::new(),
                gateway: Label::parse("manual").unwrap(),
                resolve: false,
            }),
        )
        .await;
    }
    Some(case_id)
}

/// The buyer asks to return one unit of line 1 (version 2); returns the case id.
async fn return_requested(world: &World, order_id: &str, buyer: &Who) -> String {
    let reply = world
        .post(
            "/api/v1/cases",
            buyer,
            &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                    "items": [{"line_id": "1", "quantity": 1}],
                    "description": "Le pull ne me va pas."}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["version"], 2, "{}", reply.body);
    reply.body["case_id"].as_str().unwrap().to_owned()
}

/// Runs a command as the merchant straight through the store (a state the API
/// does not leave a case in, such as a refund the gateway has not confirmed).
async fn store_command(world: &World, case_id: &str, command: Command) {
    world
        .store
        .execute(CommandRequest {
            case_id: CaseId::parse(case_id).unwrap(),
            expected_version: None,
            command,
            actor: Actor::MerchantUser {
                id: "fixture".into(),
            },
            order_id: None,
            at: None,
        })
        .await
        .unwrap_or_else(|e| panic!("fixture command failed: {e:?}"));
}

/// Gives the harness's merchant the return address its labels are sent to.
async fn give_return_address(world: &World) {
    // And a goodwill budget: an agent's gestures above 15 € wait for approval.
    let settings = json!({"return_address": {"name": "Atelier (retours)", "lines": ["12 rue des Lilas"],
                                             "postal_code": "75011", "city": "Paris", "country": "FR"},
                          "goodwill_budget": {"monthly": eur(10_000_000), "approval_above": eur(1500)}});
    world
        .set_merchant_settings(world.merchant_id, &settings)
        .await;
}

/// Opens an incident on `order_id` `days_ago` days ago, as the buyer, through the store.
async fn open_ago(world: &World, order_id: &str, reason: &str, days_ago: i64) -> String {
    use amiable_domain::case::{Actor, CaseKind, Command, LifecycleCommand};
    let case_id = amiable_domain::ids::CaseId::from_bytes(common::bytes());
    world
        .store
        .execute(amiable_store::CommandRequest {
            case_id,
            expected_version: Some(0),
            command: Command::Lifecycle(LifecycleCommand::Open {
                preferred: None,
                kind: CaseKind::Incident,
                reason: amiable_domain::reason::ReasonCode::parse(reason).unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                claimed: None,
                description: amiable_domain::text::Body::parse("Le colis n'est jamais arrivé.")
                    .unwrap(),
                stage: None,
            }),
            actor: Actor::Buyer,
            order_id: Some(amiable_domain::ids::OrderId::parse(order_id).unwrap()),
            at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days_ago)),
        })
        .await
        .unwrap_or_else(|e| panic!("fixture open failed: {e:?}"));
    case_id.to_string()
}

/// Runs `command` as `actor` `days_ago` days ago.
async fn run_ago(
    world: &World,
    case_id: &str,
    actor: amiable_domain::case::Actor,
    command: amiable_domain::case::Command,
    days_ago: i64,
) {
    world
        .store
        .execute(amiable_store::CommandRequest {
            case_id: amiable_domain::ids::CaseId::parse(case_id).unwrap(),
            expected_version: None,
            command,
            actor,
            order_id: None,
            at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days_ago)),
        })
        .await
        .unwrap_or_else(|e| panic!("fixture command failed: {e:?}"));
}

/// The order `LATE-1`: placed 40 days ago, never shipped (its delivery is late, L216-1).
async fn late_order(world: &World) -> String {
    let id = world.order_at(world.merchant_id, "LATE-1").await;
    let order_id = amiable_domain::ids::OrderId::parse(&id).unwrap();
    let order = world.store.order(order_id).await.unwrap().unwrap().order;
    let mut input = amiable_domain::order::OrderInput::from_order(&order);
    input.placed_at =
        (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 40)).to_string();
    input.shipments.clear();
    world
        .store
        .upsert_order(order.operator_id, order.merchant_id, &input, order_id)
        .await
        .unwrap();
    id
}

async fn path_of(world: &World, target: Target, seq: &mut usize) -> String {
    match target {
        Target::Top(path) => path.to_owned(),
        Target::Case(suffix, setup) => {
            let case_id = fresh_case(world, setup, seq).await;
            format!("/api/v1/cases/{case_id}{suffix}")
        }
    }
}

/// Every member and element of `value` as a JSON pointer (the root excluded).
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let pointer = format!("{at}/{key}");
                out.push(pointer.clone());
                pointers(member, &pointer, out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let pointer = format!("{at}/{index}");
                out.push(pointer.clone());
                pointers(item, &pointer, out);
            }
        }
        _ => {}
    }
}

fn replaced(valid: &Value, pointer: &str, value: Value) -> Value {
    let mut body = valid.clone();
    *body
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} in {valid}")) = value;
    body
}

fn removed(valid: &Value, pointer: &str) -> Value {
    let mut body = valid.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    body.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|map| map.remove(key))
        .unwrap_or_else(|| panic!("{pointer} in {valid}"));
    body
}

/// Variants of a valid body that must all be refused: every member of the
/// wrong type, every string huge, every number negative or overflowing,
/// required members missing, unknown values, foreign ids, an `actor`.
fn targeted(endpoint: &Endpoint) -> Vec<(String, Value, bool)> {
    let valid = &endpoint.valid;
    let mut out = Vec::new();
    let mut all = Vec::new();
    pointers(valid, "", &mut all);
    for pointer in &all {
        let node = valid.pointer(pointer).unwrap();
        let wrong = match node {
            Value::String(_) => json!(12345),
            Value::Number(_) => json!("12"),
            Value::Bool(_) => json!("yes"),
            Value::Array(_) => json!({"0": 1}),
            Value::Object(_) => json!("x"),
            Value::Null => continue,
        };
        out.push((
            format!("{pointer}: wrong type"),
            replaced(valid, pointer, wrong),
            true,
        ));
        match node {
            Value::String(_) => out.push((
                format!("{pointer}: huge string"),
                replaced(valid, pointer, json!("x".repeat(20_000))),
                true,
            )),
            Value::Number(_) => {
                for number in [json!(-1), json!(i64::MAX), json!(u64::MAX), json!(1e30)] {
                    let legitimate =
                        number == json!(i64::MAX) && endpoint.uncapped.contains(&pointer.as_str());
                    out.push((
                        format!("{pointer}: {number}"),
                        replaced(valid, pointer, number),
                        !legitimate,
                    ));
                }
            }
            _ => {}
        }
    }
    for pointer in endpoint.required {
        out.push((format!("{pointer}: missing"), removed(valid, pointer), true));
    }
    for pointer in endpoint.enums {
        out.push((
            format!("{pointer}: unknown value"),
            replaced(valid, pointer, json!("teleport")),
            true,
        ));
    }
    for pointer in endpoint.ids {
        out.push((
            format!("{pointer}: random id"),
            replaced(valid, pointer, json!(random_id())),
            true,
        ));
    }
    let mut with_actor = valid.clone();
    with_actor["actor"] = merchant_actor();
    out.push(("actor".to_owned(), with_actor, true));
    for (label, body) in &endpoint.extra {
        out.push(((*label).to_owned(), body.clone(), true));
    }
    out
}

/// Checks a refused request: a 4xx problem document (the harness checks the
/// shape and that it is no 5xx) that wrote nothing.
async fn check_refused(
    world: &World,
    what: &str,
    reply: &Reply,
    before: (i64, i64, i64),
    failures: &mut Vec<String>,
) {
    if !(400..500).contains(&reply.status) {
        failures.push(format!(
            "{what}: expected a 4xx, got {} {}",
            reply.status,
            short(&reply.body)
        ));
    }
    let after = world.counts().await;
    if after != before {
        failures.push(format!(
            "{what}: {} {} but (orders, cases, events) went from {before:?} to {after:?}",
            reply.status,
            short(&reply.body)
        ));
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}

fn endpoints(world: &World, order_id: &str, buyer: &Who, neighbour_order: &str) -> Vec<Endpoint> {
    let order = World::order_body(Some(world.merchant_id), "FUZZ-ORDER");
    let mut foreign_order = order.clone();
    foreign_order["merchant_id"] = json!(world.foreign_merchant_id);
    let bulk = json!({"merchant_id": world.merchant_id,
                      "orders": [World::order_body(None, "FUZZ-BULK")["order"]]});
    let mut foreign_bulk = bulk.clone();
    foreign_bulk["merchant_id"] = json!(world.foreign_merchant_id);
    let mut duplicate_bulk = bulk.clone();
    duplicate_bulk["orders"] = json!([bulk["orders"][0], bulk["orders"][0]]);
    let open = json!({"order_id": order_id, "kind": "incident", "reason": "damaged_in_transit",
                      "items": [{"line_id": "2", "quantity": 1}],
                      "claimed": {"amount_minor": 1990, "currency": "EUR"},
                      "description": "Bougie cassée à l'arrivée."});
    let offer = json!({"terms": {"kind": "store_credit", "amount": {"amount_minor": 4500, "currency": "EUR"},
                                 "bonus_percent": 10},
                       "message": "Un avoir majoré ?", "expected_version": 1});
    let decision = json!({"decision": {"outcome": "split",
                                       "resolution": {"kind": "partial_refund",
                                                      "amount": {"amount_minor": 2000, "currency": "EUR"}},
                                       "rationale": "Dommage partiel constaté"},
                          "expected_version": 2});
    let resolve = json!({"resolution": {"kind": "partial_refund",
                                        "amount": {"amount_minor": 1000, "currency": "EUR"},
                                        "note": "Geste pour le retard"},
                         "expected_version": 1});
    let eur = |amount_minor: i64| json!({"amount_minor": amount_minor, "currency": "EUR"});
    let minimum = json!({"window_days": 30, "non_returnable_categories": ["alimentation"],
                         "non_returnable_flags": ["personalised"], "return_shipping": "merchant",
                         "restocking_fee": {"kind": "percent", "percent": 10},
                         "allowed_resolutions": ["return_and_refund", "store_credit"],
                         "store_credit_bonus_percent": 10, "returnless_below": eur(1000),
                         "label_expiry_days": 21,
                         "auto_approve": {"max_amount": eur(5000), "max_recent_returns": 3},
                         "condition_rules": "Non porté, avec ses étiquettes."});
    let scanned_at = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
        .round(jiff::Unit::Second)
        .unwrap();
    let tomorrow = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24))
        .round(jiff::Unit::Second)
        .unwrap();
    let scan = json!({"status": "in_transit", "scanned_at": scanned_at.to_string(),
                      "location": "Paris PFC", "carrier_event_id": "EVT-0001"});
    let receive = json!({"lines": [{"line_id": "1", "quantity": 1, "condition": "like_new",
                                    "note": "Étiquette coupée"}],
                         "expected_version": 4});
    let inspect = json!({"lines": [{"line_id": "1", "compliant": false,
                                    "deductions": [{"label": "Bouloché", "amount": eur(500)}]}],
                         "expected_version": 5});
    let refund = json!({"amount": eur(4000),
                        "deductions": [{"label": "Frais de retour", "amount": eur(500)}],
                        "reference": "PAYPAL-9XK12", "resolve": true, "expected_version": 3});
    let credit = json!({"amount": eur(4500), "bonus_percent": 10, "resolve": true,
                        "expected_version": 5});
    let exchange = json!({"lines": [{"line_id": "1", "quantity": 1, "sku": "PULL-L",
                                     "title": "Pull en laine, taille L", "unit_price": eur(4000)}],
                          "expected_version": 5});
    let compensation = json!({"kind": "voucher", "amount": eur(1000), "note": "Pour le désagrément",
                              "resolve": false, "expected_version": 1});
    vec![
        Endpoint {
            target: Target::Top("/api/v1/orders"),
            who: Who::OperatorKey,
            required: &[
                "/order",
                "/order/external_id",
                "/order/placed_at",
                "/order/currency",
                "/order/buyer",
                "/order/buyer/name",
                "/order/buyer/email",
                "/order/lines",
                "/order/lines/0/sku",
                "/order/lines/0/title",
                "/order/lines/0/category",
                "/order/lines/0/quantity",
                "/order/lines/0/unit_price_minor",
                "/order/payment/provider",
                "/order/payment/transaction_id",
                "/order/payment/captured_minor",
                "/order/shipments/0/carrier",
                "/order/shipments/0/lines",
                "/order/shipments/0/lines/0/line_id",
                "/order/shipments/0/lines/0/quantity",
            ],
            enums: &[
                "/order/currency",
                "/order/buyer/locale",
                "/order/lines/1/flags/0",
            ],
            ids: &["/merchant_id"],
            uncapped: &[],
            extra: vec![
                ("merchant of another operator", foreign_order),
                ("no lines", replaced(&order, "/order/lines", json!([]))),
            ],
            valid: order,
        },
        Endpoint {
            target: Target::Top("/api/v1/orders/bulk"),
            who: Who::OperatorKey,
            required: &[
                "/orders",
                "/orders/0/external_id",
                "/orders/0/placed_at",
                "/orders/0/currency",
                "/orders/0/buyer",
                "/orders/0/lines",
                "/orders/0/lines/0/quantity",
                "/orders/0/lines/0/unit_price_minor",
                "/orders/0/payment/captured_minor",
                "/orders/0/shipments/0/lines/0/line_id",
            ],
            enums: &["/orders/0/currency", "/orders/0/buyer/locale"],
            ids: &["/merchant_id"],
            uncapped: &[],
            extra: vec![
                ("merchant of another operator", foreign_bulk),
                ("no orders", replaced(&bulk, "/orders", json!([]))),
                ("the same order twice", duplicate_bulk),
            ],
            valid: bulk,
        },
        Endpoint {
            target: Target::Top("/api/v1/cases"),
            who: buyer.clone(),
            required: &[
                "/order_id",
                "/kind",
                "/reason",
                "/description",
                "/items/0/line_id",
                "/items/0/quantity",
                "/claimed/amount_minor",
                "/claimed/currency",
            ],
            enums: &["/kind", "/reason", "/claimed/currency"],
            ids: &["/order_id"],
            uncapped: &[],
            extra: vec![
                (
                    "another order than the buyer's",
                    replaced(&open, "/order_id", json!(neighbour_order)),
                ),
                ("stage above negotiation", {
                    let mut body = open.clone();
                    body["stage"] = json!("arbitration");
                    body
                }),
                ("unknown stage", {
                    let mut body = open.clone();
                    body["stage"] = json!("teleport");
                    body
                }),
            ],
            valid: open,
        },
        Endpoint {
            target: Target::Case("/messages", Setup::Open),
            who: Who::MerchantAgent,
            valid: json!({"body": "Bonjour Claire, voici l'étiquette de retour.", "expected_version": 1}),
            required: &["/body"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("empty body", json!({"body": "   "})),
                ("control character", json!({"body": "a\u{0}b"})),
            ],
        },
        Endpoint {
            target: Target::Case("/notes", Setup::Open),
            who: Who::MerchantAgent,
            valid: json!({"body": "Client fidèle, à ménager.", "expected_version": 1}),
            required: &["/body"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![("empty body", json!({"body": ""}))],
        },
        Endpoint {
            target: Target::Case("/offers", Setup::Open),
            who: Who::MerchantAgent,
            required: &[
                "/terms",
                "/terms/kind",
                "/terms/amount",
                "/terms/amount/amount_minor",
                "/terms/amount/currency",
            ],
            enums: &["/terms/kind", "/terms/amount/currency"],
            ids: &[],
            uncapped: &["/terms/amount/amount_minor"],
            extra: vec![
                (
                    "a refusal is no offer",
                    json!({"terms": {"kind": "refusal"}}),
                ),
                (
                    "a partial refund over the order",
                    json!({"terms": {"kind": "partial_refund",
                                     "amount": {"amount_minor": i64::MAX, "currency": "EUR"}}}),
                ),
                (
                    "bonus over 100 %",
                    replaced(&offer, "/terms/bonus_percent", json!(101)),
                ),
                (
                    "another currency",
                    replaced(&offer, "/terms/amount/currency", json!("USD")),
                ),
                (
                    "zero amount",
                    replaced(&offer, "/terms/amount/amount_minor", json!(0)),
                ),
            ],
            valid: offer,
        },
        Endpoint {
            target: Target::Case("/offers/1/accept", Setup::OfferToMerchant),
            who: Who::MerchantAgent,
            valid: json!({"expected_version": 2}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![],
        },
        Endpoint {
            target: Target::Case("/offers/1/decline", Setup::OfferToMerchant),
            who: Who::MerchantAgent,
            valid: json!({"reason": "Trop cher pour nous", "expected_version": 2}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![],
        },
        Endpoint {
            target: Target::Case("/escalate", Setup::Open),
            who: Who::MerchantAgent,
            valid: json!({"to": "mediation", "reason": "Pas d'accord possible", "expected_version": 1}),
            required: &["/reason"],
            enums: &["/to"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("not higher", json!({"to": "negotiation", "reason": "x"})),
                (
                    "two rungs at once",
                    json!({"to": "arbitration", "reason": "x"}),
                ),
                ("outside", json!({"to": "external", "reason": "x"})),
            ],
        },
        Endpoint {
            target: Target::Case("/decision", Setup::Arbitration),
            who: Who::Mediator,
            required: &[
                "/decision",
                "/decision/outcome",
                "/decision/resolution",
                "/decision/resolution/kind",
                "/decision/resolution/amount",
                "/decision/resolution/amount/amount_minor",
                "/decision/resolution/amount/currency",
                "/decision/rationale",
            ],
            enums: &[
                "/decision/outcome",
                "/decision/resolution/kind",
                "/decision/resolution/amount/currency",
            ],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "outcome against the resolution",
                    replaced(&decision, "/decision/outcome", json!("merchant_favoured")),
                ),
                (
                    "more than the order",
                    replaced(
                        &decision,
                        "/decision/resolution/amount/amount_minor",
                        json!(9_999_999),
                    ),
                ),
            ],
            valid: decision,
        },
        Endpoint {
            target: Target::Case("/resolve", Setup::Open),
            who: Who::MerchantAgent,
            required: &[
                "/resolution",
                "/resolution/kind",
                "/resolution/amount",
                "/resolution/amount/amount_minor",
                "/resolution/amount/currency",
            ],
            enums: &["/resolution/kind", "/resolution/amount/currency"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "a merchant does not withdraw",
                    json!({"resolution": {"kind": "withdrawn"}}),
                ),
                (
                    "more than the order",
                    replaced(
                        &resolve,
                        "/resolution/amount/amount_minor",
                        json!(9_999_999),
                    ),
                ),
                (
                    "goodwill of no kind",
                    json!({"resolution": {"kind": "goodwill",
                    "amount": {"amount_minor": 500, "currency": "EUR"}}}),
                ),
            ],
            valid: resolve,
        },
        Endpoint {
            target: Target::Case("/reopen", Setup::Resolved),
            who: Who::MerchantAgent,
            valid: json!({"reason": "Colis jamais reçu", "expected_version": 2}),
            required: &["/reason"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![],
        },
        Endpoint {
            target: Target::Case("/close", Setup::Resolved),
            who: Who::MerchantAgent,
            valid: json!({"expected_version": 2}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![],
        },
        Endpoint {
            target: Target::Case("/cancel", Setup::Open),
            who: Who::MerchantAgent,
            valid: json!({"reason": "Ouvert par erreur", "expected_version": 1}),
            required: &["/reason"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![],
        },
        Endpoint {
            target: Target::Top("/api/v1/return-policy/minimum"),
            who: Who::OperatorKey,
            required: &[
                "/window_days",
                "/return_shipping",
                "/allowed_resolutions",
                "/label_expiry_days",
                "/restocking_fee/kind",
                "/restocking_fee/percent",
                "/returnless_below/amount_minor",
                "/returnless_below/currency",
            ],
            enums: &[
                "/non_returnable_flags/0",
                "/return_shipping",
                "/restocking_fee/kind",
                "/allowed_resolutions/0",
                "/returnless_below/currency",
                "/auto_approve/max_amount/currency",
            ],
            ids: &[],
            // Thresholds: above them nothing is returnless or automatic, which is no harm.
            uncapped: &[
                "/returnless_below/amount_minor",
                "/auto_approve/max_amount/amount_minor",
            ],
            extra: vec![
                ("no window", replaced(&minimum, "/window_days", json!(0))),
                (
                    "a ten-year window",
                    replaced(&minimum, "/window_days", json!(3651)),
                ),
                (
                    "labels that never expire",
                    replaced(&minimum, "/label_expiry_days", json!(366)),
                ),
                (
                    "no resolution",
                    replaced(&minimum, "/allowed_resolutions", json!([])),
                ),
                (
                    "restocking fee over 100 %",
                    replaced(&minimum, "/restocking_fee/percent", json!(101)),
                ),
                (
                    "a negative restocking fee",
                    replaced(
                        &minimum,
                        "/restocking_fee",
                        json!({"kind": "amount", "amount": eur(-100)}),
                    ),
                ),
                (
                    "bonus over 100 %",
                    replaced(&minimum, "/store_credit_bonus_percent", json!(101)),
                ),
                (
                    "a threshold in another currency",
                    replaced(&minimum, "/returnless_below/currency", json!("USD")),
                ),
                (
                    "an automatic ceiling of nothing",
                    replaced(&minimum, "/auto_approve/max_amount/amount_minor", json!(0)),
                ),
                (
                    "conditions too long",
                    replaced(&minimum, "/condition_rules", json!("x".repeat(2001))),
                ),
            ],
            valid: minimum,
        },
        Endpoint {
            target: Target::Case("/return/authorise", Setup::ReturnRequested),
            who: Who::MerchantAgent,
            valid: json!({"returnless": false, "expected_version": 2}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![(
                "stale version",
                json!({"returnless": false, "expected_version": 1}),
            )],
        },
        Endpoint {
            target: Target::Case("/return/refuse", Setup::ReturnRequested),
            who: Who::MerchantAgent,
            valid: json!({"ground": "Article porté, étiquettes retirées", "expected_version": 2}),
            required: &["/ground"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("empty ground", json!({"ground": "  "})),
                ("control character", json!({"ground": "a\u{0}b"})),
            ],
        },
        Endpoint {
            target: Target::Case("/return/label", Setup::ReturnAuthorised),
            who: Who::MerchantAgent,
            valid: json!({"weight_grams": 800, "parcel_count": 1}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("weightless", json!({"weight_grams": 0})),
                ("over 70 kg", json!({"weight_grams": 70_001})),
                ("no parcel", json!({"parcel_count": 0})),
                ("21 parcels", json!({"parcel_count": 21})),
            ],
        },
        Endpoint {
            target: Target::Case("/return/tracking", Setup::ReturnLabelled),
            who: Who::MerchantAgent,
            required: &["/status", "/scanned_at"],
            enums: &["/status"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "scanned tomorrow",
                    replaced(&scan, "/scanned_at", json!(tomorrow.to_string())),
                ),
                ("no instant", replaced(&scan, "/scanned_at", json!("hier"))),
                ("empty location", replaced(&scan, "/location", json!(""))),
            ],
            valid: scan,
        },
        Endpoint {
            target: Target::Case("/return/shipment", Setup::ReturnAuthorised),
            who: Who::MerchantAgent,
            valid: json!({"carrier": "Mondial Relay", "tracking_number": "MR123",
                          "shipped_at": (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2)).round(jiff::Unit::Second).unwrap().to_string()}),
            required: &["/carrier", "/tracking_number"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "empty carrier",
                    json!({"carrier": " ", "tracking_number": "MR1"}),
                ),
                (
                    "sent tomorrow",
                    json!({"carrier": "DPD", "tracking_number": "1", "shipped_at": tomorrow.to_string()}),
                ),
                (
                    "unknown receipt",
                    json!({"carrier": "DPD", "tracking_number": "1", "receipt_sha256": "00"}),
                ),
            ],
        },
        Endpoint {
            target: Target::Case("/return/receive", Setup::ReturnLabelled),
            who: Who::MerchantAgent,
            required: &[
                "/lines",
                "/lines/0/line_id",
                "/lines/0/quantity",
                "/lines/0/condition",
            ],
            enums: &["/lines/0/condition"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("no lines", replaced(&receive, "/lines", json!([]))),
                (
                    "unknown line",
                    replaced(&receive, "/lines/0/line_id", json!("9")),
                ),
                (
                    "a line not in the return",
                    replaced(&receive, "/lines/0/line_id", json!("2")),
                ),
                (
                    "more than was to come back",
                    replaced(&receive, "/lines/0/quantity", json!(2)),
                ),
                ("the same line twice", {
                    let line = receive["lines"][0].clone();
                    replaced(&receive, "/lines", json!([line, line]))
                }),
                (
                    "stale version",
                    replaced(&receive, "/expected_version", json!(3)),
                ),
            ],
            valid: receive,
        },
        Endpoint {
            target: Target::Case("/return/inspect", Setup::ReturnReceived),
            who: Who::MerchantAgent,
            required: &[
                "/lines",
                "/lines/0/line_id",
                "/lines/0/compliant",
                "/lines/0/deductions/0/label",
                "/lines/0/deductions/0/amount",
                "/lines/0/deductions/0/amount/amount_minor",
                "/lines/0/deductions/0/amount/currency",
            ],
            enums: &["/lines/0/deductions/0/amount/currency"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "deductions above what came back",
                    replaced(
                        &inspect,
                        "/lines/0/deductions/0/amount/amount_minor",
                        json!(4501),
                    ),
                ),
                (
                    "a deduction of nothing",
                    replaced(
                        &inspect,
                        "/lines/0/deductions/0/amount/amount_minor",
                        json!(0),
                    ),
                ),
                (
                    "a deduction in another currency",
                    replaced(
                        &inspect,
                        "/lines/0/deductions/0/amount/currency",
                        json!("USD"),
                    ),
                ),
                (
                    "deductions on a compliant line",
                    replaced(&inspect, "/lines/0/compliant", json!(true)),
                ),
                (
                    "a line that did not come back",
                    replaced(&inspect, "/lines/0/line_id", json!("2")),
                ),
                (
                    "unknown line",
                    replaced(&inspect, "/lines/0/line_id", json!("9")),
                ),
                ("the same line twice", {
                    let line = inspect["lines"][0].clone();
                    replaced(&inspect, "/lines", json!([line, line]))
                }),
            ],
            valid: inspect,
        },
        Endpoint {
            target: Target::Case("/refunds", Setup::ReturnAuthorised),
            who: Who::MerchantAgent,
            required: &[
                "/amount/amount_minor",
                "/amount/currency",
                "/deductions/0/label",
                "/deductions/0/amount",
                "/deductions/0/amount/amount_minor",
                "/deductions/0/amount/currency",
            ],
            enums: &["/amount/currency", "/deductions/0/amount/currency"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "a negative amount",
                    replaced(&refund, "/amount/amount_minor", json!(-4000)),
                ),
                (
                    "nothing",
                    replaced(&refund, "/amount/amount_minor", json!(0)),
                ),
                (
                    "another currency",
                    replaced(&refund, "/amount/currency", json!("USD")),
                ),
                (
                    "more than was captured",
                    replaced(&refund, "/amount/amount_minor", json!(11_481)),
                ),
                (
                    "a deduction of nothing",
                    replaced(&refund, "/deductions/0/amount/amount_minor", json!(0)),
                ),
                (
                    "a deduction in another currency",
                    replaced(&refund, "/deductions/0/amount/currency", json!("USD")),
                ),
                (
                    "an empty reference",
                    replaced(&refund, "/reference", json!("")),
                ),
                (
                    "stale version",
                    replaced(&refund, "/expected_version", json!(2)),
                ),
            ],
            valid: refund,
        },
        Endpoint {
            target: Target::Case("/refunds/1/settle", Setup::RefundPending),
            who: Who::MerchantAgent,
            valid: json!({"reference": "PAYPAL-7TY12"}),
            required: &["/reference"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![("an empty reference", json!({"reference": ""}))],
        },
        Endpoint {
            target: Target::Case("/refunds/1/fail", Setup::RefundPending),
            who: Who::MerchantAgent,
            valid: json!({"error": "Carte expirée"}),
            required: &["/error"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![("no error", json!({"error": ""}))],
        },
        Endpoint {
            target: Target::Case("/store-credit", Setup::ReturnCreditAgreed),
            who: Who::MerchantAgent,
            required: &["/amount/amount_minor", "/amount/currency"],
            enums: &["/amount/currency"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "a negative amount",
                    replaced(&credit, "/amount/amount_minor", json!(-4500)),
                ),
                (
                    "nothing",
                    replaced(&credit, "/amount/amount_minor", json!(0)),
                ),
                (
                    "another currency",
                    replaced(&credit, "/amount/currency", json!("USD")),
                ),
                (
                    "more than was captured",
                    replaced(&credit, "/amount/amount_minor", json!(11_481)),
                ),
                (
                    "bonus over 100 %",
                    replaced(&credit, "/bonus_percent", json!(101)),
                ),
                (
                    "stale version",
                    replaced(&credit, "/expected_version", json!(2)),
                ),
            ],
            valid: credit,
        },
        Endpoint {
            target: Target::Case("/exchange", Setup::ReturnExchangeAgreed),
            who: Who::MerchantAgent,
            required: &[
                "/lines",
                "/lines/0/line_id",
                "/lines/0/quantity",
                "/lines/0/sku",
                "/lines/0/title",
                "/lines/0/unit_price",
                "/lines/0/unit_price/amount_minor",
                "/lines/0/unit_price/currency",
            ],
            enums: &["/lines/0/unit_price/currency"],
            ids: &[],
            // What is sent instead is priced like an order line: bounded only by overflow.
            uncapped: &["/lines/0/unit_price/amount_minor"],
            extra: vec![
                ("no lines", replaced(&exchange, "/lines", json!([]))),
                (
                    "unknown line",
                    replaced(&exchange, "/lines/0/line_id", json!("9")),
                ),
                (
                    "a line not in the return",
                    replaced(&exchange, "/lines/0/line_id", json!("2")),
                ),
                (
                    "more than was returned",
                    replaced(&exchange, "/lines/0/quantity", json!(2)),
                ),
                (
                    "a free replacement",
                    replaced(&exchange, "/lines/0/unit_price/amount_minor", json!(0)),
                ),
                (
                    "another currency",
                    replaced(&exchange, "/lines/0/unit_price/currency", json!("USD")),
                ),
                ("the same line twice", {
                    let line = exchange["lines"][0].clone();
                    replaced(&exchange, "/lines", json!([line, line]))
                }),
            ],
            valid: exchange,
        },
        Endpoint {
            target: Target::Case("/compensation", Setup::Open),
            who: Who::MerchantAgent,
            required: &[
                "/kind",
                "/amount",
                "/amount/amount_minor",
                "/amount/currency",
            ],
            enums: &["/kind", "/amount/currency"],
            ids: &[],
            // A gesture comes on top of what was paid: the ledger does not bound it.
            uncapped: &["/amount/amount_minor"],
            extra: vec![
                (
                    "a negative amount",
                    replaced(&compensation, "/amount/amount_minor", json!(-1000)),
                ),
                (
                    "nothing",
                    replaced(&compensation, "/amount/amount_minor", json!(0)),
                ),
                (
                    "another currency",
                    replaced(&compensation, "/amount/currency", json!("USD")),
                ),
                (
                    "version zero",
                    replaced(&compensation, "/expected_version", json!(0)),
                ),
            ],
            valid: compensation,
        },
    ]
}

/// The helpdesk: assigning a case, teams, macros, bulk actions.
fn helpdesk_endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint {
            target: Target::Case("/assignment", Setup::Open),
            who: Who::MerchantAgent,
            valid: json!({"to": "me", "expected_version": 1}),
            required: &["/to"],
            enums: &["/to"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "someone unknown",
                    json!({"to": "user", "user_id": "nobody"}),
                ),
                ("a person without their id", json!({"to": "user"})),
                (
                    "an unknown team",
                    json!({"to": "team", "team_id": "team_nope"}),
                ),
                ("a queue without its team", json!({"to": "queue"})),
                ("me, and someone", json!({"to": "me", "user_id": "someone"})),
            ],
        },
        Endpoint {
            target: Target::Top("/api/v1/teams"),
            who: Who::MerchantAdmin,
            valid: json!({"name": "Retours", "members": []}),
            required: &["/name"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("an empty name", json!({"name": " ", "members": []})),
                (
                    "an unknown member",
                    json!({"name": "Retours", "members": ["nobody"]}),
                ),
            ],
        },
        Endpoint {
            target: Target::Top("/api/v1/macros"),
            who: Who::MerchantAdmin,
            valid: json!({"title_fr": "Suivi", "body_fr": "Bonjour {client}, votre commande {commande}."}),
            required: &["/title_fr", "/body_fr"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "an unknown variable",
                    json!({"title_fr": "Suivi", "body_fr": "Bonjour {prenom}"}),
                ),
                (
                    "half a language",
                    json!({"title_fr": "Suivi", "body_fr": "Bonjour", "title_en": "Follow-up"}),
                ),
            ],
        },
        Endpoint {
            // Each case answers for itself: a case that does not exist is its own 404
            // inside a 200, so the id is not among the members that must be refused.
            target: Target::Top("/api/v1/cases/bulk"),
            who: Who::MerchantAgent,
            valid: json!({"case_ids": [random_id()], "action": {"type": "close"}}),
            required: &["/case_ids", "/action", "/action/type"],
            enums: &["/action/type"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "no cases",
                    json!({"case_ids": [], "action": {"type": "close"}}),
                ),
                (
                    "an unknown macro",
                    json!({"case_ids": [random_id()], "action": {"type": "reply_with_macro", "macro_id": "nope"}}),
                ),
                (
                    "an assignment without its team",
                    json!({"case_ids": [random_id()], "action": {"type": "assign", "to": "team"}}),
                ),
            ],
        },
    ]
}

fn eur(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "EUR"})
}

/// The incident and ladder commands, each on a case where its valid body succeeds.
fn dispute_endpoints(late_buyer: &Who) -> Vec<Endpoint> {
    let day = |days: i64| {
        (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * days))
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .date()
            .to_string()
    };
    let instant = |hours: i64| {
        (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours))
            .round(jiff::Unit::Second)
            .unwrap()
            .to_string()
    };
    let grounds = "Le suivi ne prouve pas la remise au client.";
    let claim = json!({"carrier": "Colissimo", "reference": "RCL-7", "amount": eur(4500), "reserves_sent_on": day(0)});
    let outcome = json!({"outcome": "partially_accepted", "recovered": eur(4000)});
    let reship = json!({"lines": [{"line_id": "1", "quantity": 1}], "carrier": "Colissimo", "tracking_number": "6A2"});
    let request = json!({"from": "merchant", "request": "La preuve de livraison signée", "due_at": instant(72)});
    vec![
        Endpoint {
            target: Target::Case("/responsibility", Setup::Open),
            who: Who::MerchantAgent,
            valid: json!({"responsible": "carrier", "grounds": "Colis abîmé selon le transporteur", "expected_version": 1}),
            required: &["/responsible", "/grounds"],
            enums: &["/responsible"],
            ids: &[],
            uncapped: &[],
            extra: vec![(
                "empty grounds",
                json!({"responsible": "merchant", "grounds": ""}),
            )],
        },
        Endpoint {
            target: Target::Case("/delivery-deadline", Setup::Late),
            who: late_buyer.clone(),
            valid: json!({"deliver_by": day(10)}),
            required: &["/deliver_by"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                ("no extra period", json!({"deliver_by": day(0)})),
                ("in the past", json!({"deliver_by": day(-3)})),
                ("not a date", json!({"deliver_by": "demain"})),
            ],
        },
        Endpoint {
            target: Target::Case("/cancel-late-order", Setup::LatePassed),
            who: late_buyer.clone(),
            valid: json!({"expected_version": 2}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![("a stale version", json!({"expected_version": 1}))],
        },
        Endpoint {
            target: Target::Case("/carrier-claim", Setup::Open),
            who: Who::MerchantAgent,
            required: &[
                "/carrier",
                "/reference",
                "/amount",
                "/amount/amount_minor",
                "/amount/currency",
            ],
            enums: &["/amount/currency"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "more than the order",
                    replaced(&claim, "/amount/amount_minor", json!(9_999_999)),
                ),
                (
                    "reserves sent tomorrow",
                    replaced(&claim, "/reserves_sent_on", json!(day(1))),
                ),
            ],
            valid: claim,
        },
        Endpoint {
            target: Target::Case("/carrier-claim/outcome", Setup::Claimed),
            who: Who::MerchantAgent,
            required: &["/outcome"],
            enums: &["/outcome", "/recovered/currency"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "refused yet paid",
                    json!({"outcome": "refused", "recovered": eur(100)}),
                ),
                (
                    "more than claimed",
                    replaced(&outcome, "/recovered/amount_minor", json!(9000)),
                ),
                ("no amount", json!({"outcome": "accepted"})),
            ],
            valid: outcome,
        },
        Endpoint {
            target: Target::Case("/reshipments", Setup::Open),
            who: Who::MerchantAgent,
            required: &[
                "/lines",
                "/lines/0/line_id",
                "/lines/0/quantity",
                "/carrier",
                "/tracking_number",
            ],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "a line not in the order",
                    replaced(&reship, "/lines/0/line_id", json!("9")),
                ),
                (
                    "more than ordered",
                    replaced(&reship, "/lines/0/quantity", json!(5)),
                ),
                ("no lines", replaced(&reship, "/lines", json!([]))),
            ],
            valid: reship,
        },
        Endpoint {
            target: Target::Case("/reshipments/scan", Setup::Reshipped),
            who: Who::MerchantAgent,
            valid: json!({"status": "delivered", "expected_version": 2}),
            required: &["/status"],
            enums: &["/status"],
            ids: &[],
            uncapped: &[],
            extra: vec![("no news", json!({"status": "in_transit"}))],
        },
        Endpoint {
            target: Target::Case("/private-messages", Setup::Mediation),
            who: Who::Mediator,
            valid: json!({"channel": "merchant", "body": "Pouvez-vous envoyer la preuve de livraison ?"}),
            required: &["/channel", "/body"],
            enums: &["/channel"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "to the marketplace itself",
                    json!({"channel": "operator", "body": "x"}),
                ),
                ("empty", json!({"channel": "buyer", "body": ""})),
            ],
        },
        Endpoint {
            target: Target::Case("/information-requests", Setup::Mediation),
            who: Who::Mediator,
            required: &["/from", "/request", "/due_at"],
            enums: &["/from"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "due yesterday",
                    replaced(&request, "/due_at", json!(instant(-24))),
                ),
                (
                    "due in a year",
                    replaced(&request, "/due_at", json!(instant(24 * 365))),
                ),
                (
                    "from the marketplace",
                    replaced(&request, "/from", json!("operator")),
                ),
            ],
            valid: request,
        },
        Endpoint {
            target: Target::Case("/appeal", Setup::Decided),
            who: Who::MerchantAgent,
            valid: json!({"grounds": "Le colis a été livré à la bonne adresse.", "expected_version": 3}),
            required: &["/grounds"],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![("no grounds", json!({"grounds": ""}))],
        },
        Endpoint {
            target: Target::Case("/appeal/decision", Setup::Appealed),
            who: Who::Mediator,
            valid: json!({"outcome": "dismissed", "grounds": grounds, "expected_version": 4}),
            required: &["/outcome", "/grounds"],
            enums: &["/outcome"],
            ids: &[],
            uncapped: &[],
            extra: vec![
                (
                    "grounds too short",
                    json!({"outcome": "dismissed", "grounds": "Non."}),
                ),
                (
                    "allowed without a decision",
                    json!({"outcome": "allowed", "grounds": grounds}),
                ),
                (
                    "dismissed with a decision",
                    json!({"outcome": "dismissed", "grounds": grounds, "decision": {
                        "outcome": "merchant_favoured", "resolution": {"kind": "refusal", "note": "Livré"},
                        "rationale": grounds}}),
                ),
            ],
        },
        Endpoint {
            target: Target::Case("/consumer-mediation", Setup::Final),
            who: Who::Mediator,
            valid: json!({}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![],
        },
        Endpoint {
            target: Target::Case("/compensation/1/answer", Setup::GestureRequested),
            who: Who::MerchantAdmin,
            valid: json!({"expected_version": 2}),
            required: &[],
            enums: &[],
            ids: &[],
            uncapped: &[],
            extra: vec![("an empty reason", json!({"decline": ""}))],
        },
    ]
}

/// Mutated request bodies on every POST route that takes one (wrong types,
/// missing or extra fields, huge strings, overflowing or negative numbers,
/// unknown values, foreign ids): never a 5xx, always a problem document for
/// a 4xx, and a refused request writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_bodies_never_cause_a_server_error() {
    for world in worlds().await {
        // Labels are addressed to the merchant.
        give_return_address(&world).await;
        let order_id = world.order_at(world.merchant_id, "CMD-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order_id).await);
        let neighbour_order = world.order_at(world.other_merchant_id, "VOISIN-1").await;
        let neighbour_case = world.case_direct(&neighbour_order).await;
        let foreign_order = world
            .order_at(world.foreign_merchant_id, "ETRANGER-1")
            .await;
        let foreign_case = world.case_direct(&foreign_order).await;
        let late = late_order(&world).await;
        let late_buyer = Who::Buyer(world.buyer_token(&late).await);
        // The consumer mediator the marketplace names once its decisions are final.
        let named = world
            .call(
                "PUT",
                "/api/v1/settings",
                &Who::OperatorAdmin,
                Some(&json!({"mediator": {"name": "CM2C", "website": "https://www.cm2c.net"}})),
            )
            .await;
        assert_eq!(named.status, 200, "{}", named.body);
        let mut endpoints = endpoints(&world, &order_id, &buyer, &neighbour_order);
        endpoints.extend(dispute_endpoints(&late_buyer));
        endpoints.extend(helpdesk_endpoints());
        let mut seq = 0;
        let mut failures = Vec::new();
        let mut requests = 0;

        // Every case command with a body.
        let case_commands: Vec<&'static str> = endpoints
            .iter()
            .filter_map(|e| match e.target {
                Target::Case(suffix, _) => Some(suffix),
                Target::Top(_) => None,
            })
            .collect();
        for route in amiable_server::api::route_table() {
            let json_command = route.method == "POST"
                && route.path.starts_with("/cases/{case_id}/")
                && route.path != "/cases/{case_id}/attachments";
            if json_command {
                let path = route.path.trim_start_matches("/cases/{case_id}");
                assert!(
                    case_commands.iter().any(|c| c
                        .replace("/offers/1/", "/offers/{offer_id}/")
                        .replace("/refunds/1/", "/refunds/{refund_id}/")
                        .replace("/compensation/1/", "/compensation/{approval_id}/")
                        == path),
                    "{} has no fuzz fixture",
                    route.path
                );
            }
        }

        // Targeted variants, each of which must be refused.
        for endpoint in &endpoints {
            let mut path = path_of(&world, endpoint.target, &mut seq).await;
            for (label, body, must_refuse) in targeted(endpoint) {
                let before = world.counts().await;
                let reply = world.post(&path, &endpoint.who, &body).await;
                requests += 1;
                let what = format!("{}: POST {} ({label})", world.name, endpoint.name());
                if must_refuse || reply.status >= 400 {
                    check_refused(&world, &what, &reply, before, &mut failures).await;
                }
                if (200..300).contains(&reply.status) {
                    // Accepted: the target moved on, start again from a fresh one.
                    path = path_of(&world, endpoint.target, &mut seq).await;
                }
            }
            if let Target::Case(suffix, _) = endpoint.target {
                // If-Match that is no version, or a stale one.
                for (raw, status) in [("\"seven\"", 400), ("W/\"-3\"", 422), ("\"99\"", 409)] {
                    let mut body = endpoint.valid.clone();
                    body.as_object_mut().unwrap().remove("expected_version");
                    let before = world.counts().await;
                    let reply = World::send(
                        world
                            .request("POST", &path, &endpoint.who)
                            .header("if-match", raw)
                            .json(&body),
                    )
                    .await;
                    requests += 1;
                    let what = format!("{}: POST {suffix} (If-Match: {raw})", world.name);
                    check_refused(&world, &what, &reply, before, &mut failures).await;
                    if reply.status != status {
                        failures.push(format!("{what}: expected {status}, got {}", reply.status));
                    }
                }
                // Foreign ids in the path: a random case, another operator's case, a neighbour's case.
                let mut foreign_paths = vec![
                    (format!("/api/v1/cases/{}{suffix}", random_id()), true),
                    (format!("/api/v1/cases/{foreign_case}{suffix}"), true),
                    (
                        format!("/api/v1/cases/{neighbour_case}{suffix}"),
                        endpoint.who != Who::Mediator,
                    ),
                ];
                // Another offer or refund of the case: absent, or no number at all.
                for numbered in ["/offers/1/", "/refunds/1/", "/compensation/1/"] {
                    if suffix.starts_with(numbered) {
                        let collection = numbered.trim_end_matches("1/");
                        for id in ["2", "999", "0", "-1", "4294967296", "x"] {
                            foreign_paths.push((
                                path.replace(numbered, &format!("{collection}{id}/")),
                                false,
                            ));
                        }
                    }
                }
                for (foreign, must_be_404) in foreign_paths {
                    let before = world.counts().await;
                    let reply = world.post(&foreign, &endpoint.who, &endpoint.valid).await;
                    requests += 1;
                    let what = format!("{}: POST {foreign}", world.name);
                    check_refused(&world, &what, &reply, before, &mut failures).await;
                    if must_be_404 && reply.status != 404 {
                        failures.push(format!("{what}: expected 404, got {}", reply.status));
                    }
                }
            }
            // The valid body itself goes through: the refusals were the mutations' doing.
            let path = path_of(&world, endpoint.target, &mut seq).await;
            let reply = world.post(&path, &endpoint.who, &endpoint.valid).await;
            if !(200..300).contains(&reply.status) {
                failures.push(format!(
                    "{}: POST {}: the valid body was refused: {} {}",
                    world.name,
                    endpoint.name(),
                    reply.status,
                    short(&reply.body)
                ));
            }
        }

        // Attachments take multipart forms.
        let case_id = fresh_case(&world, Setup::Open, &mut seq).await;
        let attachments = format!("/api/v1/cases/{case_id}/attachments");
        let file = || reqwest::multipart::Part::bytes(png()).file_name("photo.png");
        let form = || reqwest::multipart::Form::new();
        let forms: Vec<(&str, reqwest::multipart::Form)> = vec![
            ("no file", form().text("visibility", "public")),
            (
                "unknown visibility",
                form().text("visibility", "teleport").part("file", file()),
            ),
            (
                "huge visibility",
                form()
                    .text("visibility", "x".repeat(20_000))
                    .part("file", file()),
            ),
            (
                "expected_version wrong type",
                form().text("expected_version", "abc").part("file", file()),
            ),
            (
                "expected_version negative",
                form().text("expected_version", "-1").part("file", file()),
            ),
            (
                "expected_version stale",
                form()
                    .text("expected_version", i64::MAX.to_string())
                    .part("file", file()),
            ),
            (
                "expected_version overflowing",
                form()
                    .text("expected_version", u64::MAX.to_string())
                    .part("file", file()),
            ),
            (
                "expected_version 1e30",
                form().text("expected_version", "1e30").part("file", file()),
            ),
            (
                "an actor part",
                form().text("actor", "merchant_user").part("file", file()),
            ),
            (
                "not an image",
                form().part(
                    "file",
                    reqwest::multipart::Part::bytes(b"%!PS-Adobe".to_vec()).file_name("x.ps"),
                ),
            ),
        ];
        for (label, multipart) in forms {
            let before = world.counts().await;
            let reply = World::send(
                world
                    .request("POST", &attachments, &Who::MerchantAgent)
                    .multipart(multipart),
            )
            .await;
            requests += 1;
            let what = format!("{}: POST /attachments ({label})", world.name);
            check_refused(&world, &what, &reply, before, &mut failures).await;
        }
        for (label, path) in [
            ("a JSON body", attachments.clone()),
            (
                "random case",
                format!("/api/v1/cases/{}/attachments", random_id()),
            ),
            (
                "another operator's case",
                format!("/api/v1/cases/{foreign_case}/attachments"),
            ),
        ] {
            let before = world.counts().await;
            let builder = world.request("POST", &path, &Who::MerchantAgent);
            let builder = if label == "a JSON body" {
                builder.json(&json!({"file": "iVBORw0KGgo=", "actor": merchant_actor()}))
            } else {
                builder.multipart(form().part("file", file()))
            };
            let reply = World::send(builder).await;
            requests += 1;
            let what = format!("{}: POST /attachments ({label})", world.name);
            check_refused(&world, &what, &reply, before, &mut failures).await;
        }
        let reply = World::send(
            world
                .request("POST", &attachments, &Who::MerchantAgent)
                .multipart(form().part("file", file())),
        )
        .await;
        assert_eq!(
            reply.status, 201,
            "{}: valid upload: {}",
            world.name, reply.body
        );

        // Random mutations: never a 5xx, and a refusal writes nothing.
        let replacements = [
            json!(null),
            json!(-1),
            json!(0),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e30),
            json!(1e300),
            json!(""),
            json!("x".repeat(20_000)),
            json!("\u{202e}\u{0}"),
            json!([]),
            json!({}),
            json!(true),
            json!("USD"),
            json!("teleport"),
            json!(NIL),
            json!(random_id()),
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % bound
        };
        let mut paths = Vec::new();
        for endpoint in &endpoints {
            paths.push(path_of(&world, endpoint.target, &mut seq).await);
        }
        for round in 0..(endpoints.len() * 15) {
            let index = round % endpoints.len();
            let endpoint = &endpoints[index];
            let mut body = endpoint.valid.clone();
            for _ in 0..=next(3) {
                mutate(&mut body, &replacements, &mut next);
            }
            let before = world.counts().await;
            let reply = world.post(&paths[index], &endpoint.who, &body).await;
            requests += 1;
            if reply.status >= 400 {
                let what = format!(
                    "{}: POST {} with {}",
                    world.name,
                    endpoint.name(),
                    short(&body)
                );
                check_refused(&world, &what, &reply, before, &mut failures).await;
            } else {
                // Still valid: the target moved on, start again from a fresh one.
                paths[index] = path_of(&world, endpoint.target, &mut seq).await;
            }
        }
        assert!(world.store.verify().await.unwrap().is_ok());
        assert!(
            failures.is_empty(),
            "{}: {} of {requests} requests wrong:\n{}",
            world.name,
            failures.len(),
            failures.join("\n")
        );
    }
}

/// Replaces, removes or adds one member somewhere in `value`.
fn mutate(value: &mut Value, replacements: &[Value], next: &mut impl FnMut(usize) -> usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[next(keys.len())];
            match next(4) {
                0 => {
                    map.remove(key);
                }
                1 => {
                    map.insert(
                        format!("{key}_extra"),
                        replacements[next(replacements.len())].clone(),
                    );
                }
                2 => {
                    map.insert(key.clone(), replacements[next(replacements.len())].clone());
                }
                _ => mutate(map.get_mut(key).expect("key exists"), replacements, next),
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let index = next(items.len());
            mutate(&mut items[index], replacements, next);
        }
        other => *other = replacements[next(replacements.len())].clone(),
    }
}
