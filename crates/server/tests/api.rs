//! The API through real HTTP: a server on port 0 with a fresh database,
//! on SQLite and (when AMIABLE_TEST_DATABASE_URL is set) PostgreSQL.

use amiable_domain::ids::{MerchantId, OperatorId, Slug};
use amiable_server::{AppState, serve};
use amiable_store::Store;
use amiable_store::testing::{TestStore, test_stores};
use serde_json::{Value, json};

struct TestApp {
    base: String,
    store: Store,
    merchant_id: MerchantId,
    client: reqwest::Client,
    name: &'static str,
    _db: TestStore,
}

fn bytes() -> [u8; 16] {
    *uuid::Uuid::new_v4().as_bytes()
}

async fn spawn_apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in test_stores().await {
        let store = db.store.clone();
        let operator_id = OperatorId::from_bytes(bytes());
        store
            .create_operator(
                operator_id,
                &Slug::parse("marche").unwrap(),
                "Le Marché",
                &json!({}),
            )
            .await
            .unwrap();
        let merchant_id = MerchantId::from_bytes(bytes());
        store
            .create_merchant(
                merchant_id,
                operator_id,
                &Slug::parse("atelier").unwrap(),
                "L'Atelier",
                &json!({}),
            )
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(serve(
            listener,
            AppState::new(store.clone()),
            std::future::pending(),
        ));
        apps.push(TestApp {
            base,
            store,
            merchant_id,
            client: reqwest::Client::new(),
            name: db.name,
            _db: db,
        });
    }
    apps
}

impl TestApp {
    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let is_problem = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v == "application/problem+json");
        let value: Value = response.json().await.unwrap_or(Value::Null);
        if status >= 400 {
            assert!(is_problem, "{status} without a problem document: {value}");
            assert_eq!(value["status"], status, "{value}");
            assert!(
                value["code"].is_string()
                    && value["title"].is_string()
                    && value["detail"].is_string(),
                "{value}"
            );
        }
        (status, value)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn order_body(&self, external_id: &str) -> Value {
        json!({
            "merchant_id": self.merchant_id,
            "order": {
                "external_id": external_id,
                "placed_at": "2026-11-02T09:15:00+01:00",
                "currency": "EUR",
                "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
                "lines": [
                    {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 2, "unit_price_minor": 4500},
                    {"sku": "BOUGIE", "title": "Bougie", "category": "maison", "quantity": 1, "unit_price_minor": 1990, "flags": ["personalised"]}
                ],
                "shipping_minor": 490,
                "payment": {"provider": "paypal", "transaction_id": "5TY05013RG002845M", "captured_minor": 11480},
                "shipments": [{"carrier": "Colissimo", "tracking_number": "6A123", "shipped_at": "2026-11-03T10:00:00Z",
                               "delivered_at": "2026-11-05T10:00:00Z", "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}]
            }
        })
    }

    async fn create_order(&self, external_id: &str) -> String {
        let (status, body) = self
            .post("/api/v1/orders", &self.order_body(external_id))
            .await;
        assert_eq!(status, 201, "{body}");
        body["order"]["id"].as_str().unwrap().to_owned()
    }

    async fn open_case(&self, order_id: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/cases",
                &json!({"order_id": order_id, "kind": "return", "reason": "changed_mind",
                        "items": [{"line_id": "1", "quantity": 1}], "description": "Le pull ne me va pas."}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["case_id"].as_str().unwrap().to_owned()
    }

    async fn counts(&self) -> (i64, i64, i64) {
        (
            self.store.count_orders().await.unwrap(),
            self.store.count_cases().await.unwrap(),
            self.store.count_events().await.unwrap(),
        )
    }
}

fn merchant() -> Value {
    json!({"kind": "merchant_user", "id": "agent-1"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness() {
    for app in spawn_apps().await {
        assert_eq!(app.get("/healthz").await, (200, json!({"status": "ok"})));
        let (status, body) = app.get("/readyz").await;
        assert_eq!(status, 200);
        assert_eq!(body["database"], app.name);
        let (status, body) = app.get("/nope").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("route.not_found"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_and_a_case_round_trip_with_a_verifiable_timeline() {
    for app in spawn_apps().await {
        let order_id = app.create_order("CMD-1").await;
        let (status, again) = app.post("/api/v1/orders", &app.order_body("CMD-1")).await;
        assert_eq!(
            (status, again["order"]["id"].as_str()),
            (200, Some(order_id.as_str())),
            "{}: upsert",
            app.name
        );
        let (status, order) = app.get(&format!("/api/v1/orders/{order_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(order["order"]["lines"][1]["flags"], json!(["personalised"]));

        let case_id = app.open_case(&order_id).await;
        let message = json!({"expected_version": 1, "actor": merchant(),
                             "command": {"command": "post_message", "body": "Bonjour Claire, voici votre étiquette de retour."}});
        let (status, reply) = app
            .post(&format!("/api/v1/cases/{case_id}/commands"), &message)
            .await;
        assert_eq!(
            (status, reply["version"].as_i64()),
            (200, Some(2)),
            "{reply}"
        );

        let (status, case) = app.get(&format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(status, 200);
        assert_eq!(case["case"]["status"], "open");
        assert_eq!(case["case"]["waiting_on"], "buyer");
        let timeline = case["timeline"].as_array().unwrap();
        assert_eq!(timeline.len(), 2);
        assert_eq!(timeline[0]["type"], "opened");
        assert_eq!(
            timeline[1]["data"]["body"],
            "Bonjour Claire, voici votre étiquette de retour."
        );
        assert_eq!(timeline[1]["prev_hash"], timeline[0]["hash"]);
        assert_eq!(case["last_hash"], timeline[1]["hash"]);

        let (status, list) = app
            .get(&format!(
                "/api/v1/cases?merchant_id={}&status=open&kind=return",
                app.merchant_id
            ))
            .await;
        assert_eq!(status, 200);
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let (_, none) = app
            .get(&format!(
                "/api/v1/cases?merchant_id={}&status=closed",
                app.merchant_id
            ))
            .await;
        assert!(none["items"].as_array().unwrap().is_empty());
        assert!(app.store.verify().await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_problem_document_and_changes_nothing() {
    for app in spawn_apps().await {
        let order_id = app.create_order("CMD-1").await;
        let case_id = app.open_case(&order_id).await;
        let before = app.counts().await;
        let commands = format!("/api/v1/cases/{case_id}/commands");

        // Not JSON at all.
        let response = app
            .client
            .post(format!("{}/api/v1/cases", app.base))
            .body("kind=return")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 415);
        let response = app
            .client
            .post(format!("{}/api/v1/cases", app.base))
            .header("content-type", "application/json")
            .body("{\"order_id\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "request.malformed_json");
        // One JSON value, and nothing after it.
        let trailing = format!(
            r#"{{"order_id": "{order_id}", "kind": "incident", "reason": "not_received", "description": "x"}} ]]]"#
        );
        let response = app
            .client
            .post(format!("{}/api/v1/cases", app.base))
            .header("content-type", "application/json")
            .body(trailing)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            400,
            "trailing data is malformed JSON"
        );

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
                json!({"order_id": "00000000-0000-4000-8000-000000000000", "kind": "incident", "reason": "not_received",
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
        ];
        for (body, status, code, field) in cases {
            let (got, problem) = app.post("/api/v1/cases", &body).await;
            assert_eq!(
                (got, problem["code"].as_str()),
                (status, Some(code)),
                "{}: {problem}",
                app.name
            );
            if !field.is_empty() {
                assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            }
        }

        let mut bad_order = app.order_body("CMD-2");
        bad_order["order"]["lines"][0]["unit_price_minor"] = json!(-5);
        bad_order["order"]["buyer"]["email"] = json!("claire");
        let (status, problem) = app.post("/api/v1/orders", &bad_order).await;
        assert_eq!(status, 422);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"order.lines[0].unit_price_minor")
                && fields.contains(&"order.buyer.email"),
            "{problem}"
        );
        let mut overflow = app.order_body("CMD-3");
        overflow["order"]["lines"][0]["unit_price_minor"] = json!(i64::MAX);
        assert_eq!(app.post("/api/v1/orders", &overflow).await.0, 422);
        let mut huge = app.order_body("CMD-4");
        huge["order"]["lines"][0]["unit_price_minor"] = json!(u64::MAX);
        assert_eq!(app.post("/api/v1/orders", &huge).await.0, 422);
        let mut foreign = app.order_body("CMD-5");
        foreign["merchant_id"] = json!("00000000-0000-4000-8000-000000000000");
        let (status, problem) = app.post("/api/v1/orders", &foreign).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (422, Some("merchant.not_found"))
        );

        // Commands: stale version, illegal transition, wrong party, unknown case.
        let message = |version: i64| json!({"expected_version": version, "actor": merchant(), "command": {"command": "post_message", "body": "Bonjour"}});
        let (status, problem) = app.post(&commands, &message(7)).await;
        assert_eq!(
            (
                status,
                problem["code"].as_str(),
                problem["current_version"].as_i64()
            ),
            (409, Some("case.version_conflict"), Some(1))
        );
        let close =
            json!({"expected_version": 1, "actor": merchant(), "command": {"command": "close"}});
        let (status, problem) = app.post(&commands, &close).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (409, Some("case.invalid_status"))
        );
        let note = json!({"expected_version": 1, "actor": {"kind": "buyer"}, "command": {"command": "add_note", "body": "x"}});
        let (status, problem) = app.post(&commands, &note).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (403, Some("case.party_not_allowed"))
        );
        let unknown = app
            .post(
                "/api/v1/cases/00000000-0000-4000-8000-000000000000/commands",
                &message(1),
            )
            .await;
        assert_eq!(
            (unknown.0, unknown.1["code"].as_str()),
            (404, Some("case.not_found"))
        );
        let bad_command =
            json!({"expected_version": 1, "actor": merchant(), "command": {"command": "teleport"}});
        assert_eq!(
            app.post(&commands, &bad_command).await.1["errors"][0]["field"],
            "command.command"
        );
        let (status, problem) = app
            .get("/api/v1/cases?status=nope&limit=0&colour=red")
            .await;
        assert_eq!(
            (status, problem["errors"].as_array().map(Vec::len)),
            (400, Some(3))
        );

        // Over the body limit.
        let big = json!({"expected_version": 1, "actor": merchant(), "command": {"command": "post_message", "body": "é".repeat(600_000)}});
        let (status, problem) = app.post(&commands, &big).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (413, Some("request.too_large"))
        );

        assert_eq!(
            app.counts().await,
            before,
            "{}: failed requests wrote nothing",
            app.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_auto_closes_a_quiet_resolved_case() {
    for app in spawn_apps().await {
        let order_id = app.create_order("CMD-1").await;
        let case_id = app.open_case(&order_id).await;
        let resolve = json!({"expected_version": 1, "actor": merchant(),
                             "command": {"command": "resolve", "resolution": {"kind": "return_and_refund"}}});
        assert_eq!(
            app.post(&format!("/api/v1/cases/{case_id}/commands"), &resolve)
                .await
                .0,
            200
        );

        // Not yet: nothing is due.
        let now = jiff::Timestamp::now();
        assert_eq!(
            amiable_server::worker::run_due(&app.store, "w", now)
                .await
                .unwrap(),
            0
        );
        // Fifteen days later the timer fires and closes the case.
        let later = now + jiff::SignedDuration::from_hours(15 * 24);
        assert_eq!(
            amiable_server::worker::run_due(&app.store, "w", later)
                .await
                .unwrap(),
            1,
            "{}",
            app.name
        );
        let (_, case) = app.get(&format!("/api/v1/cases/{case_id}")).await;
        assert_eq!(case["case"]["status"], "closed");
        let last = case["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["type"].as_str(), last["data"]["reason"].as_str()),
            (Some("closed"), Some("inactivity"))
        );
        assert_eq!(
            last["actor"],
            json!({"kind": "system", "id": "case.auto_close"})
        );
        assert_eq!(app.store.pending_jobs().await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_after_resolution_postpones_the_auto_close() {
    for app in spawn_apps().await {
        let order_id = app.create_order("CMD-1").await;
        let case_id = app.open_case(&order_id).await;
        let commands = format!("/api/v1/cases/{case_id}/commands");
        let resolve = json!({"expected_version": 1, "actor": merchant(),
                             "command": {"command": "resolve", "resolution": {"kind": "return_and_refund"}}});
        app.post(&commands, &resolve).await;
        let message = json!({"expected_version": 2, "actor": {"kind": "buyer"},
                             "command": {"command": "post_message", "body": "Merci, j'ai bien reçu le remboursement."}});
        assert_eq!(app.post(&commands, &message).await.0, 200);
        // Pretend the message came a week after the resolution: the job then reschedules.
        let record = app
            .store
            .case(amiable_domain::ids::CaseId::parse(&case_id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let due = record.state.resolved_at.unwrap() + jiff::SignedDuration::from_hours(14 * 24);
        let ran = amiable_server::worker::run_due(
            &app.store,
            "w",
            due + jiff::SignedDuration::from_secs(1),
        )
        .await
        .unwrap();
        assert_eq!(ran, 1);
        let (_, case) = app.get(&format!("/api/v1/cases/{case_id}")).await;
        // The message was at most seconds after resolution, so 14 days + 1 s after resolution is past its quiet period too.
        assert_eq!(case["case"]["status"], "closed", "{}", app.name);
    }
}

/// Mutated request bodies (wrong types, missing or extra fields, huge strings,
/// overflowing or negative numbers, unknown values): never a 5xx, always a
/// problem document for a 4xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_bodies_never_cause_a_server_error() {
    for app in spawn_apps().await {
        let order_id = app.create_order("CMD-1").await;
        let case_id = app.open_case(&order_id).await;
        let valid_bodies = [
            ("/api/v1/orders".to_owned(), app.order_body("CMD-2")),
            (
                "/api/v1/cases".to_owned(),
                json!({"order_id": order_id, "kind": "incident", "reason": "damaged_in_transit", "items": [{"line_id": "2", "quantity": 1}],
                       "claimed": {"amount_minor": 1990, "currency": "EUR"}, "description": "Bougie cassée à l'arrivée."}),
            ),
            (
                format!("/api/v1/cases/{case_id}/commands"),
                json!({"expected_version": 1, "actor": merchant(), "command": {"command": "propose_offer",
                       "terms": {"kind": "store_credit", "amount": {"amount_minor": 4500, "currency": "EUR"}, "bonus_percent": 10}}}),
            ),
        ];
        let replacements = [
            json!(null),
            json!(-1),
            json!(0),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e300),
            json!(""),
            json!("x".repeat(20_000)),
            json!("\u{202e}\u{0}"),
            json!([]),
            json!({}),
            json!(true),
            json!("USD"),
            json!("00000000-0000-4000-8000-000000000000"),
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % bound
        };
        for round in 0..120 {
            let (path, body) = &valid_bodies[round % valid_bodies.len()];
            let mut body = body.clone();
            for _ in 0..=next(3) {
                mutate(&mut body, &replacements, &mut next);
            }
            let (status, problem) = app.post(path, &body).await;
            assert!(status < 500, "{}: {status} for {body}: {problem}", app.name);
        }
        assert!(app.store.verify().await.unwrap().is_ok());
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
