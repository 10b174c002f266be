//! The demo seeder, on every backend: a full marketplace, every kind of case
//! in every status and stage, verifiable, and the same data for the same seed.

#[path = "../src/demo/mod.rs"]
#[allow(dead_code)]
mod demo;

use amiable_domain::case::{CaseKind, CaseStatus, Stage};
use amiable_store::testing::{TestStore, test_stores};
use amiable_store::{CaseFilter, CaseSummary, Store};
use std::collections::BTreeSet;

const SEED: u64 = 2026;

fn anchor() -> jiff::Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

async fn all_cases(store: &Store) -> Vec<CaseSummary> {
    let mut cases = store
        .cases(&CaseFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    cases.sort_by_key(|c| c.case_id);
    cases
}

/// Every case's id, and for each event its type, instant and hash.
async fn fingerprint(store: &Store) -> Vec<(String, Vec<(String, i64, String)>)> {
    let mut print = Vec::new();
    for case in all_cases(store).await {
        let timeline = store.timeline(case.case_id).await.unwrap();
        let events = timeline
            .into_iter()
            .map(|e| (e.event_type, e.recorded_at.as_second(), e.hash))
            .collect();
        print.push((case.case_id.to_string(), events));
    }
    print
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_marketplace_is_complete_verifiable_and_reproducible() {
    for TestStore { store, name, .. } in test_stores().await {
        let started = std::time::Instant::now();
        let summary = demo::seed(&store, SEED, anchor()).await.unwrap();
        eprintln!("{name}: seeded in {:.2} s", started.elapsed().as_secs_f64());

        assert!(summary.merchants.len() >= 3, "{name}");
        assert_eq!(summary.operator_slug, "marche-des-createurs");
        let orders = store.count_orders().await.unwrap();
        assert!(orders >= 500, "{name}: {orders} orders");
        assert_eq!(orders as usize, summary.orders, "{name}");

        let cases = all_cases(&store).await;
        assert!(cases.len() >= 100, "{name}: {} cases", cases.len());
        assert_eq!(cases.len(), summary.cases, "{name}");
        assert_eq!(
            store.count_events().await.unwrap() as usize,
            summary.events,
            "{name}"
        );
        let combos: BTreeSet<(CaseKind, CaseStatus)> =
            cases.iter().map(|c| (c.kind, c.status)).collect();
        for kind in CaseKind::ALL {
            for status in CaseStatus::ALL {
                assert!(
                    combos.contains(&(*kind, *status)),
                    "{name}: no {kind} case is {status}"
                );
            }
        }
        let stages: BTreeSet<Stage> = cases.iter().map(|c| c.stage).collect();
        for stage in Stage::ALL {
            assert!(stages.contains(stage), "{name}: no case at stage {stage}");
        }
        for case in &cases {
            assert!(
                case.last_activity_at < anchor(),
                "{name}: {} ends after the anchor",
                case.case_id
            );
            assert!(
                (2..=10).contains(&case.version),
                "{name}: case {} has {} events",
                case.case_id,
                case.version
            );
        }

        let report = store.verify().await.unwrap();
        assert!(report.is_ok(), "{name}: {:?}", report.problems);
        assert_eq!(report.cases as usize, cases.len(), "{name}");

        // The same seed into a fresh store of the same backend gives the same cases and timelines.
        let twin = fresh_store(name).await;
        demo::seed(&twin.store, SEED, anchor()).await.unwrap();
        assert_eq!(
            fingerprint(&store).await,
            fingerprint(&twin.store).await,
            "{name}"
        );
        twin.store.close().await;
        store.close().await;
    }
}

/// Another empty store on the backend called `name`.
async fn fresh_store(name: &str) -> TestStore {
    test_stores()
        .await
        .into_iter()
        .find(|t| t.name == name)
        .unwrap()
}
