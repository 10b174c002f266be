//! What operators of an amiable install watch: /metrics, request ids.

mod common;

use common::{Who, World, worlds};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template_and_events_appended() {
    for world in worlds().await {
        let order_id = world.order_at(world.merchant_id, "MET-1").await;
        let case_id = world.case_on(&order_id, &Who::OperatorKey).await;
        for _ in 0..3 {
            let reply = world
                .get(&format!("/api/v1/cases/{case_id}"), &Who::MerchantAgent)
                .await;
            assert_eq!(reply.status, 200);
        }
        let missing = world
            .get(
                &format!("/api/v1/cases/{}", uuid::Uuid::new_v4()),
                &Who::MerchantAgent,
            )
            .await;
        assert_eq!(missing.status, 404);
        let reply = world
            .post(
                &format!("/api/v1/cases/{case_id}/messages"),
                &Who::MerchantKey,
                &json!({"body": "Bonjour"}),
            )
            .await;
        assert_eq!(reply.status, 200);
        let response = world
            .client
            .get(format!("{}/metrics", world.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = response.text().await.unwrap();
        let line = |prefix: &str| -> f64 {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line {prefix} in:\n{text}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        // Labels are route templates, never ids.
        assert!(
            !text.contains(&case_id),
            "{}: an id leaked into a label",
            world.name
        );
        assert_eq!(
            line(
                r#"amiable_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="200"}"#
            ),
            3.0
        );
        assert_eq!(
            line(
                r#"amiable_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="404"}"#
            ),
            1.0
        );
        assert_eq!(
            line(
                r#"amiable_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/{case_id}"}"#
            ),
            4.0
        );
        assert_eq!(
            line(
                r#"amiable_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cases/{case_id}",le="+Inf"}"#
            ),
            4.0
        );
        // Opened and one message, through this process's store.
        assert!(line("amiable_case_events_appended_total") >= 2.0);
        assert!(line("amiable_jobs_pending") >= 0.0);
        assert!(text.contains("# TYPE amiable_http_request_duration_seconds histogram"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_names_its_request() {
    for world in worlds().await {
        let reply = World::send(world.request("GET", "/api/v1/cases", &Who::OperatorKey)).await;
        let id = reply.headers["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        let reply = World::send(
            world
                .request("GET", "/api/v1/nope", &Who::OperatorKey)
                .header("x-request-id", "trace-me-42"),
        )
        .await;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.headers["x-request-id"], "trace-me-42");
    }
}
