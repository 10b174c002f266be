//! Problem documents (RFC 9457) through real HTTP: every client error status
//! the API uses, their shape, and their language (`Accept-Language`).

mod common;

use common::{Who, World, worlds, worlds_with};
use serde_json::{Value, json};

/// The members every problem document has, and their agreement with the status line.
fn assert_problem(reply: &common::Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    let body = &reply.body;
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], format!("urn:amiable:problem:{code}"));
    for member in ["title", "detail"] {
        assert!(
            body[member].as_str().is_some_and(|t| !t.is_empty()),
            "{member} missing: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_error_status_is_a_problem_document() {
    for world in worlds_with(|c| c.login_rate = (1, 1)).await {
        let order_id = world.order_at(world.merchant_id, "PB-1").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let messages = format!("/api/v1/cases/{case_id}/messages");

        // 400: malformed JSON, and a bad query.
        let reply = World::send(
            world
                .request("POST", &messages, &Who::MerchantKey)
                .header("content-type", "application/json")
                .body("{\"body\": "),
        )
        .await;
        assert_problem(&reply, 400, "request.malformed_json");
        let reply = world.get("/api/v1/cases?limit=0", &Who::OperatorKey).await;
        assert_problem(&reply, 400, "query.invalid");
        assert_eq!(reply.body["errors"][0]["field"], "limit");
        // 401: no credentials.
        let reply = world.get("/api/v1/cases", &Who::Anonymous).await;
        assert_problem(&reply, 401, "auth.required");
        assert!(reply.headers.contains_key("www-authenticate"));
        // 403: a role that may not.
        let reply = world
            .post(&format!("/api/v1/cases/{case_id}/decision"), &Who::MerchantAgent, &json!({
                "decision": {"outcome": "split", "resolution": {"kind": "replacement"}, "rationale": "x"}}))
            .await;
        assert_problem(&reply, 403, "auth.forbidden");
        // 404: unknown, and out of reach alike.
        let reply = world
            .get(
                &format!("/api/v1/cases/{}", uuid::Uuid::new_v4()),
                &Who::OperatorKey,
            )
            .await;
        assert_problem(&reply, 404, "case.not_found");
        let reply = world
            .get(
                &format!("/api/v1/cases/{case_id}"),
                &Who::OtherOperatorAdmin,
            )
            .await;
        assert_problem(&reply, 404, "case.not_found");
        // 405 and unknown routes.
        let reply = world
            .call("DELETE", &messages, &Who::OperatorKey, None)
            .await;
        assert_problem(&reply, 405, "route.method_not_allowed");
        // 409: a stale version names the current one.
        let reply = World::send(
            world
                .request("POST", &messages, &Who::MerchantKey)
                .header("if-match", "\"7\"")
                .json(&json!({"body": "Bonjour"})),
        )
        .await;
        assert_problem(&reply, 409, "case.version_conflict");
        assert_eq!(reply.body["current_version"], 1);
        // 413: over the body limit.
        let huge = json!({"body": "x".repeat(2 * 1024 * 1024)});
        let reply = world.post(&messages, &Who::MerchantKey, &huge).await;
        assert_problem(&reply, 413, "request.too_large");
        // 415: not JSON.
        let reply = World::send(
            world
                .request("POST", &messages, &Who::MerchantKey)
                .body("body=x"),
        )
        .await;
        assert_problem(&reply, 415, "request.unsupported_media_type");
        // 422: names the field.
        let reply = world
            .post(&messages, &Who::MerchantKey, &json!({"body": 12}))
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["errors"][0]["field"], "body", "{}", reply.body);
        // 429: too many logins from one address.
        let login = json!({"email": "nobody@exemple.fr", "password": "wrong password"});
        let first = world
            .post("/api/v1/auth/login", &Who::Anonymous, &login)
            .await;
        assert_problem(&first, 401, "auth.invalid_credentials");
        let second = world
            .post("/api/v1/auth/login", &Who::Anonymous, &login)
            .await;
        assert_problem(&second, 429, "rate_limited");
        assert!(second.headers.contains_key("retry-after"));
        // None of this changed anything.
        assert_eq!(
            world.store.count_events().await.unwrap(),
            1,
            "{}",
            world.name
        );
    }
}

async fn in_language(
    world: &World,
    path: &str,
    body: &Value,
    accept: Option<&str>,
) -> common::Reply {
    let mut request = world.request("POST", path, &Who::MerchantKey).json(body);
    if let Some(accept) = accept {
        request = request.header("accept-language", accept);
    }
    World::send(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_speak_the_requesters_language() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "PB-LANG").await;
        let path = "/api/v1/cases";
        // Two faulty fields: quantity not positive, unknown kind.
        let body = json!({"order_id": order_id, "kind": "refund", "reason": "changed_mind",
                          "description": "x", "items": [{"line_id": "1", "quantity": 0}]});
        let english = in_language(&world, path, &body, None).await;
        let french = in_language(&world, path, &body, Some("fr-FR,fr;q=0.9,en;q=0.5")).await;
        let preferred = in_language(&world, path, &body, Some("de, en;q=0.8, fr;q=0.9")).await;
        assert_eq!(english.status, 422);
        assert_eq!(english.body["title"], "Unprocessable Entity");
        assert_eq!(french.headers["content-language"], "fr");
        assert_eq!(english.headers["content-language"], "en");
        assert_eq!(french.body["title"], "Données invalides", "{}", french.body);
        assert_eq!(
            preferred.body["title"], french.body["title"],
            "q-values decide"
        );
        // Same codes, same fields, different words.
        assert_eq!(french.body["code"], english.body["code"]);
        assert_eq!(french.body["type"], english.body["type"]);
        let fields = |reply: &common::Reply| -> Vec<(String, String)> {
            reply.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        assert_eq!(fields(&french), fields(&english));
        for (fr, en) in french.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .zip(english.body["errors"].as_array().unwrap())
        {
            assert_ne!(fr["message"], en["message"], "{fr} is not translated");
        }
        // Authentication errors too.
        let reply = World::send(
            world
                .request("GET", "/api/v1/cases", &Who::Anonymous)
                .header("accept-language", "fr"),
        )
        .await;
        assert_eq!(reply.body["title"], "Authentification requise");
        assert_ne!(
            reply.body["detail"],
            "sign in, or send an API key or a buyer access token as a bearer token"
        );
    }
}

/// A checking constructor refuses a value while the JSON is read (serde turns its refusal
/// into text): the message still names the value, in the reader's language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_met_while_reading_json_name_their_values_in_both_languages() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "PB-READ").await;
        let cases = [
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "item_damaged",
                       "description": "x"}),
                "reason",
                "reason.unknown",
                "item_damaged",
            ),
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received",
                       "description": "x", "claimed": {"amount_minor": 100, "currency": "EUX"}}),
                "claimed.currency",
                "currency.unknown",
                "EUX",
            ),
            (
                json!({"order_id": order_id, "kind": "incident", "reason": "not_received",
                       "description": "x", "items": [{"line_id": "1", "quantity": 20000}]}),
                "items[0].quantity",
                "quantity.too_large",
                "10",
            ),
        ];
        for (body, field, code, named) in cases {
            let english = in_language(&world, "/api/v1/cases", &body, Some("en")).await;
            let french = in_language(&world, "/api/v1/cases", &body, Some("fr")).await;
            for (lang, reply) in [("en", &english), ("fr", &french)] {
                assert_eq!(reply.status, 422, "{}", reply.body);
                assert_eq!(reply.body["code"], code, "{}", reply.body);
                let error = &reply.body["errors"][0];
                assert_eq!(error["field"], field, "{}", reply.body);
                assert_eq!(error["code"], code);
                let message = error["message"].as_str().unwrap();
                assert!(message.contains(named), "{lang}: {message}");
                let detail = reply.body["detail"].as_str().unwrap();
                assert!(detail.contains(named), "{lang}: {detail}");
            }
            assert_ne!(
                english.body["errors"][0]["message"], french.body["errors"][0]["message"],
                "{code} is not translated"
            );
        }
    }
}
