//! Regressions for the defects a review of the access and API work found,
//! on SQLite and PostgreSQL.

mod common;

use common::{Who, World, png, worlds};
use serde_json::json;

/// A key reused (after retention) to open a case on another order must not
/// hand over the first order's case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_key_never_returns_another_orders_case() {
    for world in worlds().await {
        let a = world.order_at(world.other_merchant_id, "CMD-1").await;
        let b = world.order_at(world.merchant_id, "CMD-1").await;
        let open = |order: &str| json!({"order_id": order, "kind": "incident", "reason": "not_received", "description": "Colis perdu."});
        let first = World::send(
            world
                .request("POST", "/api/v1/cases", &Who::OperatorKey)
                .header("idempotency-key", "open-CMD-1")
                .json(&open(&a)),
        )
        .await;
        assert_eq!(first.status, 201);
        world
            .store
            .raw_execute("DELETE FROM idempotency_keys".into())
            .await
            .unwrap();
        let second = World::send(
            world
                .request("POST", "/api/v1/cases", &Who::OperatorKey)
                .header("idempotency-key", "open-CMD-1")
                .json(&open(&b)),
        )
        .await;
        assert_eq!(second.status, 201, "{}: {}", world.name, second.body);
        assert_ne!(
            second.body["case_id"], first.body["case_id"],
            "{}",
            world.name
        );
        assert_eq!(second.body["case"]["order_id"], json!(b));
        let stolen = world
            .get(
                &format!("/api/v1/cases/{}", first.body["case_id"].as_str().unwrap()),
                &Who::MerchantKey,
            )
            .await;
        assert_eq!(stolen.status, 404, "{}", world.name);
    }
}

/// Login, logout and buyer access never store or replay an answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_routes_are_never_replayed() {
    for world in worlds().await {
        world.order_at(world.merchant_id, "PUB-1").await;
        let lookup = json!({"operator": "marche", "order_number": "PUB-1", "email": "claire.martin@exemple.fr"});
        for _ in 0..2 {
            let reply = World::send(
                world
                    .request("POST", "/api/v1/buyer/access", &Who::OperatorKey)
                    .header("idempotency-key", "lookup-1")
                    .json(&lookup),
            )
            .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert!(
                reply.headers.get("idempotent-replayed").is_none(),
                "{}",
                world.name
            );
        }
        let stored = world
            .store
            .raw_execute("DELETE FROM idempotency_keys WHERE idem_key = 'lookup-1'".into())
            .await
            .unwrap();
        assert_eq!(
            stored, 0,
            "{}: no token kept in the idempotency table",
            world.name
        );
    }
}

/// A buyer's view of a case shows no trace of internal notes or files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyer_view_hides_internal_counters() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "HIDE-1").await;
        let buyer = Who::Buyer(world.buyer_token(&order).await);
        let case_id = world.case_on(&order, &buyer).await;
        let before = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        let note = world
            .post(
                &format!("/api/v1/cases/{case_id}/notes"),
                &Who::MerchantAgent,
                &json!({"body": "interne"}),
            )
            .await;
        assert_eq!(note.status, 200);
        let form = reqwest::multipart::Form::new()
            .text("visibility", "internal")
            .part(
                "file",
                reqwest::multipart::Part::bytes(png()).file_name("x.png"),
            );
        let file = World::send(
            world
                .request(
                    "POST",
                    &format!("/api/v1/cases/{case_id}/attachments"),
                    &Who::MerchantAgent,
                )
                .multipart(form),
        )
        .await;
        assert_eq!(file.status, 201);
        let after = world.get(&format!("/api/v1/cases/{case_id}"), &buyer).await;
        assert_eq!(after.body["case"]["internal_notes"], 0, "{}", world.name);
        assert_eq!(after.body["case"]["attachments"], 0);
        assert_eq!(
            after.body["case"]["last_activity_at"],
            before.body["case"]["last_activity_at"]
        );
        let staff = world
            .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
            .await;
        assert_eq!(staff.body["case"]["internal_notes"], 1);
        assert_eq!(staff.body["case"]["attachments"], 1);
    }
}

/// Retrying an upload with the same key replays it, whatever boundary the client picks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_retry_is_replayed() {
    for world in worlds().await {
        let order = world.order_at(world.merchant_id, "UP-1").await;
        let case_id = world.case_on(&order, &Who::OperatorKey).await;
        let mut replies = Vec::new();
        for _ in 0..2 {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(png()).file_name("photo.png"),
            );
            replies.push(
                World::send(
                    world
                        .request(
                            "POST",
                            &format!("/api/v1/cases/{case_id}/attachments"),
                            &Who::MerchantKey,
                        )
                        .header("idempotency-key", "upload-1")
                        .multipart(form),
                )
                .await,
            );
        }
        assert_eq!(
            (replies[0].status, replies[1].status),
            (201, 201),
            "{}: {}",
            world.name,
            replies[1].body
        );
        assert_eq!(replies[1].headers["idempotent-replayed"], "true");
        assert_eq!(replies[0].body, replies[1].body);
        // Another file under the same key is another request.
        let mut other = png();
        other.push(0);
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(other).file_name("photo.png"),
        );
        let reused = World::send(
            world
                .request(
                    "POST",
                    &format!("/api/v1/cases/{case_id}/attachments"),
                    &Who::MerchantKey,
                )
                .header("idempotency-key", "upload-1")
                .multipart(form),
        )
        .await;
        assert_eq!(reused.status, 422);
    }
}

/// The exact stored email always finds its order, whatever the backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_search_finds_the_stored_spelling_on_every_backend() {
    for world in worlds().await {
        let mut body = World::order_body(Some(world.merchant_id), "ELO-1");
        body["order"]["buyer"]["email"] = json!("Élodie.Martin@Exemple.FR");
        let reply = world.post("/api/v1/orders", &Who::OperatorKey, &body).await;
        assert_eq!(reply.status, 201);
        let stored = reply.body["order"]["buyer"]["email"]
            .as_str()
            .unwrap()
            .to_owned();
        for q in [stored.as_str(), "Élodie.Martin@exemple.fr"] {
            let url = format!(
                "/api/v1/orders?buyer_email={}",
                q.replace('@', "%40").replace('É', "%C3%89")
            );
            let found = world.get(&url, &Who::OperatorKey).await;
            assert_eq!(
                found.body["items"].as_array().unwrap().len(),
                1,
                "{}: {q}",
                world.name
            );
        }
    }
}
