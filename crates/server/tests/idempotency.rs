//! `Idempotency-Key` through real HTTP, on SQLite and PostgreSQL: replays,
//! mismatches, concurrent retries executing once, per-caller keys, retention.

mod common;

use common::{Who, World, png, worlds};
use serde_json::{Value, json};

async fn post_with_key(
    world: &World,
    path: &str,
    who: &Who,
    key: &str,
    body: &Value,
) -> common::Reply {
    World::send(
        world
            .request("POST", path, who)
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_result_is_replayed_for_the_same_request() {
    for world in worlds().await {
        let body = World::order_body(Some(world.merchant_id), "IDEM-1");
        let first = post_with_key(
            &world,
            "/api/v1/orders",
            &Who::OperatorKey,
            "order-IDEM-1",
            &body,
        )
        .await;
        assert_eq!(first.status, 201, "{}", first.body);
        assert!(first.headers.get("idempotent-replayed").is_none());
        let before = world.counts().await;
        let again = post_with_key(
            &world,
            "/api/v1/orders",
            &Who::OperatorKey,
            "order-IDEM-1",
            &body,
        )
        .await;
        // Without the key, a second upsert would answer 200 (updated); the replay answers as the first did.
        assert_eq!(again.status, 201, "{}: {}", world.name, again.body);
        assert_eq!(again.body, first.body);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.headers["location"], first.headers["location"]);
        assert_eq!(world.counts().await, before);

        // The same key with another body is refused and changes nothing.
        let other = World::order_body(Some(world.merchant_id), "IDEM-2");
        let reused = post_with_key(
            &world,
            "/api/v1/orders",
            &Who::OperatorKey,
            "order-IDEM-1",
            &other,
        )
        .await;
        assert_eq!(
            (reused.status, reused.body["code"].as_str()),
            (422, Some("idempotency.key_reused")),
            "{}",
            world.name
        );
        // …and so is the same body on another route.
        let order_id = first.body["order"]["id"].as_str().unwrap();
        let reused = post_with_key(
            &world,
            &format!("/api/v1/orders/{order_id}/buyer-link"),
            &Who::OperatorKey,
            "order-IDEM-1",
            &body,
        )
        .await;
        assert_eq!(reused.status, 422);
        assert_eq!(world.counts().await, before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_belong_to_their_caller() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "IDEM-OWN").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let path = format!("/api/v1/cases/{case_id}/messages");
        let body = json!({"body": "Bonjour"});
        let a = post_with_key(&world, &path, &Who::MerchantAgent, "k-1", &body).await;
        let b = post_with_key(&world, &path, &Who::MerchantKey, "k-1", &body).await;
        assert_eq!((a.status, b.status), (200, 200));
        assert!(
            b.headers.get("idempotent-replayed").is_none(),
            "{}",
            world.name
        );
        assert_eq!(b.body["version"], 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_execute_once() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "IDEM-RACE").await;
        let before = world.counts().await;
        let open = json!({"order_id": order_id, "kind": "incident", "reason": "not_received",
                          "description": "Colis jamais arrivé."});
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                post_with_key(
                    &world,
                    "/api/v1/cases",
                    &Who::MerchantKey,
                    "open-once",
                    &open,
                )
            })
            .collect();
        let replies = futures_join(tasks).await;
        let first = &replies[0];
        assert_eq!(first.status, 201, "{}", first.body);
        for reply in &replies {
            assert_eq!(reply.status, 201, "{}: {}", world.name, reply.body);
            assert_eq!(reply.body["case_id"], first.body["case_id"]);
        }
        let replayed = replies
            .iter()
            .filter(|r| r.headers.get("idempotent-replayed").is_some())
            .count();
        assert_eq!(
            replayed,
            replies.len() - 1,
            "{}: exactly one ran",
            world.name
        );
        let after = world.counts().await;
        assert_eq!(after.1, before.1 + 1, "{}: one case opened", world.name);
        assert_eq!(after.2, before.2 + 1, "{}: one event appended", world.name);

        // The same for a command on the case.
        let case_id = first.body["case_id"].as_str().unwrap();
        let path = format!("/api/v1/cases/{case_id}/messages");
        let message = json!({"body": "Nous avons ouvert une enquête auprès du transporteur."});
        let tasks: Vec<_> = (0..12)
            .map(|_| post_with_key(&world, &path, &Who::MerchantKey, "message-once", &message))
            .collect();
        let replies = futures_join(tasks).await;
        for reply in &replies {
            assert_eq!(
                (reply.status, reply.body["version"].as_i64()),
                (200, Some(2))
            );
        }
        assert_eq!(world.counts().await.2, after.2 + 1, "{}", world.name);
        assert!(world.store.verify().await.unwrap().is_ok());
    }
}

/// Polls every request at once (they share nothing but the server) and
/// returns the replies in order.
async fn futures_join<F>(futures: Vec<F>) -> Vec<common::Reply>
where
    F: std::future::Future<Output = common::Reply>,
{
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> =
        futures.into_iter().map(Box::pin).enumerate().collect();
    let mut done = Vec::new();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, future)| match future.as_mut().poll(cx) {
            std::task::Poll::Ready(reply) => {
                done.push((*i, reply));
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, reply)| reply).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_errors_are_replayed_and_transient_ones_are_not() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "IDEM-ERR").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let path = format!("/api/v1/cases/{case_id}/messages");
        // A 422 is the answer to that request: replayed.
        let empty = json!({"body": ""});
        let first = post_with_key(&world, &path, &Who::MerchantKey, "bad-1", &empty).await;
        assert_eq!(first.status, 422, "{}", first.body);
        let again = post_with_key(&world, &path, &Who::MerchantKey, "bad-1", &empty).await;
        assert_eq!((again.status, &again.body), (422, &first.body));
        assert_eq!(again.headers["idempotent-replayed"], "true");
        // A version conflict depends on the moment: not stored, the retry runs again.
        let stale = json!({"body": "Bonjour", "expected_version": 9});
        let conflict = post_with_key(&world, &path, &Who::MerchantKey, "stale-1", &stale).await;
        assert_eq!(conflict.status, 409, "{}", conflict.body);
        assert_eq!(conflict.body["current_version"], 1);
        let retry = post_with_key(&world, &path, &Who::MerchantKey, "stale-1", &stale).await;
        assert_eq!(retry.status, 409);
        assert!(
            retry.headers.get("idempotent-replayed").is_none(),
            "{}",
            world.name
        );
        // Keys must be 1–255 visible ASCII characters.
        for key in ["", &"k".repeat(256), "avec espace"] {
            let reply =
                post_with_key(&world, &path, &Who::MerchantKey, key, &json!({"body": "x"})).await;
            assert_eq!(
                (reply.status, reply.body["code"].as_str()),
                (400, Some("idempotency.key_invalid")),
                "{key:?}"
            );
        }
        // Without credentials the key is not even looked at.
        let reply = post_with_key(
            &world,
            &path,
            &Who::Anonymous,
            "anon",
            &json!({"body": "x"}),
        )
        .await;
        assert_eq!(reply.status, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_kept_at_least_a_day() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "IDEM-AGE").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        let path = format!("/api/v1/cases/{case_id}/messages");
        let body = json!({"body": "Bonjour"});
        let first = post_with_key(&world, &path, &Who::MerchantKey, "aged", &body).await;
        assert_eq!(first.status, 200);
        let hours_ago = |h: i64| {
            (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(h)).as_microsecond()
        };
        world
            .store
            .raw_execute(format!(
                "UPDATE idempotency_keys SET created_at = {} WHERE idem_key = 'aged'",
                hours_ago(24)
            ))
            .await
            .unwrap();
        let replay = post_with_key(&world, &path, &Who::MerchantKey, "aged", &body).await;
        assert_eq!(
            replay.headers["idempotent-replayed"], "true",
            "{}: kept for 24 h",
            world.name
        );
        assert_eq!(replay.body["version"], 2);
        world
            .store
            .raw_execute(format!(
                "UPDATE idempotency_keys SET created_at = {} WHERE idem_key = 'aged'",
                hours_ago(26)
            ))
            .await
            .unwrap();
        let fresh = post_with_key(&world, &path, &Who::MerchantKey, "aged", &body).await;
        assert!(fresh.headers.get("idempotent-replayed").is_none());
        assert_eq!(
            fresh.body["version"], 3,
            "{}: forgotten after retention",
            world.name
        );
        assert!(world.store.purge_idempotency_keys().await.unwrap() <= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_lost_answer_opens_nothing_new() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "IDEM-LOST").await;
        let open = json!({"order_id": order_id, "kind": "incident", "reason": "not_received",
                          "description": "Colis jamais arrivé."});
        let first = post_with_key(
            &world,
            "/api/v1/cases",
            &Who::MerchantKey,
            "lost-answer",
            &open,
        )
        .await;
        assert_eq!(first.status, 201);
        let before = world.counts().await;
        // The node died after committing the case and before recording the answer:
        // the key is still "running" and its lease ran out.
        world
            .store
            .raw_execute("UPDATE idempotency_keys SET status = NULL, response = NULL, locked_until = 0 WHERE idem_key = 'lost-answer'".into())
            .await
            .unwrap();
        let retry = post_with_key(
            &world,
            "/api/v1/cases",
            &Who::MerchantKey,
            "lost-answer",
            &open,
        )
        .await;
        assert_eq!(retry.status, 201, "{}: {}", world.name, retry.body);
        assert_eq!(retry.body["case_id"], first.body["case_id"]);
        assert_eq!(world.counts().await, before, "{}: nothing new", world.name);
        // And from now on it is a plain replay.
        let again = post_with_key(
            &world,
            "/api/v1/cases",
            &Who::MerchantKey,
            "lost-answer",
            &open,
        )
        .await;
        assert_eq!(again.headers["idempotent-replayed"], "true");
    }
}

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
