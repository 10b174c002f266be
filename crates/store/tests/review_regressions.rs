//! Regressions for defects found in review; each runs on SQLite and, when
//! configured, PostgreSQL.

mod fixtures;

use amiable_store::testing::test_stores;
use amiable_store::{Backend, NewJob, Store};
use fixtures::*;
use jiff::{SignedDuration, Timestamp};

/// Opens across few orders from many clients: on PostgreSQL the writer lanes
/// update the same order rows; they must never deadlock into failures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_opens_over_few_orders_all_land() {
    for t in test_stores().await {
        let store = t.store.clone();
        let tenant = tenant(&store).await;
        let orders = [
            order(&store, &tenant, "A").await,
            order(&store, &tenant, "B").await,
            order(&store, &tenant, "C").await,
        ];
        let tasks: Vec<_> = (0..600)
            .map(|i| {
                let store = store.clone();
                let order_id = orders[i % orders.len()];
                tokio::spawn(async move {
                    let mut request = request(
                        amiable_domain::ids::CaseId::from_bytes(random_bytes()),
                        Some(0),
                        open_command(),
                        amiable_domain::case::Actor::Buyer,
                    );
                    request.order_id = Some(order_id);
                    store.execute(request).await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        for order_id in orders {
            let summary = store.order(order_id).await.unwrap().unwrap();
            assert_eq!(
                (summary.open_cases, summary.total_cases),
                (200, 200),
                "{}",
                t.name
            );
        }
        assert!(store.verify().await.unwrap().is_ok());
    }
}

/// Several nodes starting at once on an empty database: one migrates, none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    for t in test_stores().await {
        let config = match t.store.backend() {
            Backend::Sqlite => amiable_store::testing::sqlite_config(),
            Backend::Postgres => (
                amiable_store::testing::postgres_config(
                    &amiable_store::testing::postgres_url().unwrap(),
                )
                .await,
                tempfile::tempdir().unwrap(),
            ),
        };
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let config = config.0.clone();
                tokio::spawn(async move { Store::connect(&config).await })
            })
            .collect();
        for start in starts {
            let store = start
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{}: {e}", t.name));
            store.close().await;
        }
    }
}

/// `verify` on a database that is being written to reports no false tampering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_during_writes_raises_no_false_alarm() {
    for t in test_stores().await {
        let store = t.store.clone();
        let (_, cases) = order_with_cases(&store, 20).await;
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..1500 {
                    store
                        .execute(request(
                            cases[i % cases.len()],
                            None,
                            message("Suivi"),
                            merchant(),
                        ))
                        .await
                        .unwrap();
                }
            })
        };
        for _ in 0..5 {
            let report = store.verify().await.unwrap();
            assert!(report.is_ok(), "{}: {:?}", t.name, report.problems);
        }
        writer.await.unwrap();
        assert!(store.verify().await.unwrap().is_ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_sees_tampered_inbox_columns_order_counters_and_unreadable_rows() {
    for t in test_stores().await {
        let store = &t.store;
        let tenant = tenant(store).await;
        let order_id = order(store, &tenant, "CMD-1").await;
        let a = open_case(store, order_id).await.case_id;
        let b = open_case(store, order_id).await.case_id;
        store
            .raw_execute(format!(
                "UPDATE cases SET status = 'closed' WHERE id = '{a}'"
            ))
            .await
            .unwrap();
        store
            .raw_execute(format!(
                "UPDATE cases SET state = 'not json' WHERE id = '{b}'"
            ))
            .await
            .unwrap();
        store
            .raw_execute(format!(
                "UPDATE orders SET total_cases = 99 WHERE id = '{order_id}'"
            ))
            .await
            .unwrap();
        let report = store.verify().await.unwrap();
        let said = |needle: &str| report.problems.iter().any(|p| p.problem.contains(needle));
        assert!(said("(status)"), "{}: {:?}", t.name, report.problems);
        assert!(said("unreadable"), "{:?}", report.problems);
        assert!(said(&format!("order {order_id}")), "{:?}", report.problems);
        assert_eq!(report.problems.len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_died_on_its_last_attempt_is_dead_not_stuck() {
    for t in test_stores().await {
        let store = &t.store;
        let now = Timestamp::now();
        let job = NewJob {
            kind: "k".into(),
            payload: serde_json::json!({}),
            case_id: None,
            due_at: now,
            max_attempts: 1,
        };
        let id = store.enqueue_job(&job).await.unwrap();
        assert_eq!(
            store
                .claim_jobs("w1", 5, SignedDuration::from_secs(10), now)
                .await
                .unwrap()
                .len(),
            1
        );
        let tomorrow = now + SignedDuration::from_hours(24);
        assert!(
            store
                .claim_jobs("w2", 5, SignedDuration::from_secs(10), tomorrow)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.job_status(id).await.unwrap().unwrap().0,
            "dead",
            "{}",
            t.name
        );
        assert_eq!(store.pending_jobs().await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescheduling_needs_the_lease_and_gives_a_fresh_job() {
    for t in test_stores().await {
        let store = &t.store;
        let now = Timestamp::now();
        let job = NewJob {
            kind: "k".into(),
            payload: serde_json::json!({}),
            case_id: None,
            due_at: now,
            max_attempts: 2,
        };
        let id = store.enqueue_job(&job).await.unwrap();
        store
            .claim_jobs("w1", 5, SignedDuration::from_secs(10), now)
            .await
            .unwrap();
        let later = now + SignedDuration::from_hours(1);
        assert!(
            !store
                .reschedule_job(id, "someone-else", later)
                .await
                .unwrap()
        );
        assert!(store.reschedule_job(id, "w1", later).await.unwrap());
        assert!(
            store
                .claim_jobs("w1", 5, SignedDuration::from_secs(10), now)
                .await
                .unwrap()
                .is_empty()
        );
        let again = store
            .claim_jobs("w2", 5, SignedDuration::from_secs(10), later)
            .await
            .unwrap();
        assert_eq!((again.len(), again[0].attempts), (1, 1), "{}", t.name);
    }
}

/// Another process wrote the case: the writer must not answer from stale memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_on_the_same_sqlite_file_is_not_answered_from_stale_memory() {
    let (config, _dir) = amiable_store::testing::sqlite_config();
    let first = Store::connect(&config).await.unwrap();
    let second = Store::connect(&config).await.unwrap();
    let tenant = tenant(&first).await;
    let order_id = order(&first, &tenant, "CMD-1").await;
    let case_id = open_case(&first, order_id).await.case_id;
    first
        .execute(request(case_id, Some(1), message("Un"), merchant()))
        .await
        .unwrap();
    second
        .execute(request(case_id, Some(2), message("Deux"), merchant()))
        .await
        .unwrap();
    let third = first
        .execute(request(case_id, Some(3), message("Trois"), merchant()))
        .await;
    assert_eq!(third.unwrap().version, 4);
    assert!(first.verify().await.unwrap().is_ok());
}
