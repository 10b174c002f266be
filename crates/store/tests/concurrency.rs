//! Several writers and several nodes on one database, on SQLite and, when
//! configured, PostgreSQL: concurrent opens over the same orders, nodes
//! migrating together, a second writer on the same SQLite file.

mod fixtures;

use amiable_store::testing::test_stores;
use amiable_store::{Backend, Store};
use fixtures::*;

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
