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

/// SQLite: a writer that never pauses still gets its WAL started over once the frames
/// in use pass the limit (SQLite alone only starts it over in a pause, and the file grew
/// without end), and nothing written is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_sqlite_writer_keeps_starting_its_wal_over() {
    let (mut config, dir) = amiable_store::testing::sqlite_config();
    config.sqlite_wal_limit = 512 * 1024;
    let store = std::sync::Arc::new(Store::connect(&config).await.unwrap());
    let wal = dir.path().join("amiable.db-wal");
    // The WAL header's checkpoint sequence number: SQLite adds one each time it starts
    // the WAL over from its beginning.
    let restarts = || {
        std::fs::read(&wal)
            .ok()
            .filter(|header| header.len() >= 16)
            .map(|header| u32::from_be_bytes([header[12], header[13], header[14], header[15]]))
    };
    let tenant = tenant(&store).await;
    let order_id = order(&store, &tenant, "CMD-1").await;
    let mut cases = Vec::new();
    for _ in 0..16 {
        cases.push(open_case(&store, order_id).await.case_id);
    }
    let opened = store.verify().await.unwrap().events;
    // 16 clients post without a pause for 4 s.
    let start = std::time::Instant::now();
    let deadline = start + std::time::Duration::from_secs(4);
    let mut clients = Vec::new();
    for case_id in cases.clone() {
        let store = store.clone();
        clients.push(tokio::spawn(async move {
            let mut version = 1;
            while std::time::Instant::now() < deadline {
                let text = format!("Message {version} : {}", "x".repeat(2000));
                version = store
                    .execute(request(case_id, Some(version), message(&text), merchant()))
                    .await
                    .unwrap()
                    .version;
            }
            version
        }));
    }
    // Once they are under way, the sequence numbers the WAL goes through.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut seen = std::collections::BTreeSet::new();
    while std::time::Instant::now() < deadline {
        seen.extend(restarts());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut written = 0;
    for client in clients {
        written += client.await.unwrap() - 1;
    }
    assert!(
        seen.len() >= 2,
        "the WAL was never started over during {written} messages ({} bytes)",
        std::fs::metadata(&wal).map_or(0, |m| m.len())
    );
    let report = store.verify().await.unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.events, opened + written as u64);
}
