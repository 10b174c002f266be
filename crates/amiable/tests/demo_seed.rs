//! The demo seeder, on every backend: a full marketplace, every kind of case
//! in every status and stage, returns in every stage of their lifecycle with
//! their labels and money, incidents with every responsibility and remedy,
//! mediation, arbitration and appeal, verifiable, and the same data for the
//! same seed.

#[path = "../src/demo/mod.rs"]
#[allow(dead_code)]
mod demo;

use amiable_domain::case::{
    AppealOutcome, ApprovalStatus, CaseKind, CaseStatus, Party, Payer, ReshipmentStatus,
    Responsibility, ReturnStage, Stage,
};
use amiable_domain::law::refund::Surcharge;
use amiable_domain::sla::clocks::PauseReason;
use amiable_store::blobs::BlobStore;
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
        let attachments = tempfile::tempdir().unwrap();
        let summary = demo::seed(
            &store,
            SEED,
            anchor(),
            attachments.path(),
            "http://127.0.0.1:8080",
        )
        .await
        .unwrap();
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
                // At most 18 events (the demo's MAX_EVENTS), a paid decision included.
                (2..=18).contains(&case.version),
                "{name}: case {} has {} events",
                case.case_id,
                case.version
            );
        }

        // Returns: every stage of the lifecycle, each label's PDF stored, one refund late with its surcharge.
        let blobs = BlobStore::new(attachments.path());
        let mut return_stages = BTreeSet::new();
        let mut late_surcharges = Vec::new();
        let mut labels = 0;
        let mut returns = 0;
        for case in cases.iter().filter(|c| c.kind == CaseKind::Return) {
            returns += 1;
            let state = store.case(case.case_id).await.unwrap().unwrap().state;
            let progress = state.returns.as_ref().expect("a return has its progress");
            return_stages.insert(progress.stage);
            if let Some(label) = &progress.label {
                labels += 1;
                let pdf = blobs.open(&label.attachment.sha256).await.unwrap();
                let pdf = pdf.unwrap_or_else(|| {
                    panic!("{name}: the label of {} is not stored", case.case_id)
                });
                assert!(pdf.starts_with(b"%PDF"), "{name}");
                assert_eq!(pdf.len() as u64, label.attachment.size_bytes, "{name}");
            }
            for refund in &state.refunds {
                if let Some(late) = &refund.late
                    && let Surcharge::Percent {
                        amount, percent, ..
                    } = late.surcharge
                {
                    late_surcharges.push((late.days_late, percent, amount.amount_minor));
                }
            }
        }
        assert_eq!(returns, summary.returns, "{name}");
        for stage in ReturnStage::ALL {
            assert!(
                return_stages.contains(stage),
                "{name}: no return is {stage}"
            );
        }
        assert!(labels >= 10, "{name}: {labels} labels");
        assert!(
            late_surcharges
                .iter()
                .any(|&(days, percent, amount)| days > 10 && percent > 0 && amount > 0),
            "{name}: no late refund with a surcharge: {late_surcharges:?}"
        );

        // Incidents: every responsibility, the carrier's money back, replacements delivered
        // and lost, a late order cancelled, gestures within budget and awaiting approval, and
        // a decision the marketplace paid and recovers, appealed in vain.
        let mut responsible = BTreeSet::new();
        let mut found = BTreeSet::new();
        for case in cases.iter().filter(|c| c.kind == CaseKind::Incident) {
            let state = store.case(case.case_id).await.unwrap().unwrap().state;
            // Orders whose money never moved have no ledger yet.
            let ledger = store.ledger(state.order_id).await.unwrap();
            let incident = state.incident.clone().unwrap_or_default();
            responsible.extend(incident.responsible.map(|r| r.code()));
            if let Some(claim) = &incident.claim
                && let Some(recovered) = claim.recovered
                && recovered.is_positive()
            {
                let ledger = ledger.as_ref().expect("the order's ledger");
                assert_eq!(ledger.carrier_recovered, recovered, "{name}");
                assert!(claim.reserves_sent_on <= claim.reserves_due, "{name}");
                found.insert("claim recovered");
            }
            for reshipment in &incident.reshipments {
                found.insert(match reshipment.status {
                    ReshipmentStatus::Delivered => "replacement delivered",
                    ReshipmentStatus::Lost => "replacement lost",
                    ReshipmentStatus::InTransit => "replacement on its way",
                });
            }
            if incident.refund_due_by.is_some() && state.awaiting_payment.is_some() {
                found.insert("late order cancelled");
            }
            if state
                .compensation_approvals
                .iter()
                .any(|a| a.status == ApprovalStatus::Pending)
            {
                found.insert("gesture awaiting approval");
            }
            if incident.responsible == Some(Responsibility::Unknown)
                && !state.compensations.is_empty()
            {
                found.insert("gesture within budget");
            }
            if let Some(decision) = &state.decision
                && decision.paid_by == Payer::Marketplace
            {
                assert!(decision.recover_from_merchant, "{name}");
                let ledger = ledger.as_ref().expect("the order's ledger");
                assert!(ledger.marketplace_paid.is_positive(), "{name}");
                assert_eq!(ledger.due_from_merchant, ledger.marketplace_paid, "{name}");
                let mediation = state.mediation.as_ref().unwrap();
                assert!(mediation.requests.iter().any(|r| r.from == Party::Merchant));
                match mediation.appeal.as_ref().and_then(|a| a.outcome) {
                    Some(AppealOutcome::Dismissed) => {
                        assert!(mediation.consumer_mediator.is_some(), "{name}");
                        found.insert("appeal dismissed");
                    }
                    None => {
                        found.insert("appeal pending");
                    }
                    Some(AppealOutcome::Allowed) => {}
                }
            }
        }
        assert_eq!(
            responsible,
            BTreeSet::from(["buyer", "carrier", "merchant", "unknown"]),
            "{name}"
        );
        assert_eq!(
            found,
            BTreeSet::from([
                "appeal dismissed",
                "appeal pending",
                "claim recovered",
                "gesture awaiting approval",
                "gesture within budget",
                "late order cancelled",
                "replacement delivered",
                "replacement lost",
                "replacement on its way",
            ]),
            "{name}"
        );

        // Service levels: every status of a target, clocks paused on the buyer and on the
        // carrier, the silence rule's status updates, ratings, and one shop under watch.
        let ids: Vec<_> = cases.iter().map(|c| c.case_id).collect();
        let targets = store.sla_targets(&ids).await.unwrap();
        let reports = || targets.values().flatten();
        let statuses: BTreeSet<&str> = reports().map(|r| r.status.code()).collect();
        assert_eq!(
            statuses,
            BTreeSet::from(["active", "active_with_misses", "hit", "missed"]),
            "{name}"
        );
        let paused: BTreeSet<&str> = reports()
            .filter_map(|r| r.paused)
            .map(|p| match p {
                PauseReason::Buyer => "buyer",
                PauseReason::Carrier => "carrier",
                PauseReason::Marketplace => "marketplace",
            })
            .collect();
        assert!(
            paused.contains("buyer") && paused.contains("carrier"),
            "{name}: {paused:?}"
        );
        let mut updates = 0;
        for case in &cases {
            let timeline = store.timeline(case.case_id).await.unwrap();
            updates += timeline
                .iter()
                .filter(|e| e.event_type == "status_update_sent")
                .count();
        }
        assert!(
            updates > 0,
            "{name}: the silence rule sent no status update"
        );
        let operator = store
            .operator_by_slug(&summary.operator_slug)
            .await
            .unwrap()
            .unwrap();
        let mut standings = Vec::new();
        for merchant in store.merchants(operator.id).await.unwrap() {
            let standing = store.merchant_standing(merchant.id).await.unwrap().unwrap();
            standings.push((merchant.slug.as_str().to_owned(), standing.standing));
        }
        standings.sort();
        assert_eq!(
            standings,
            [
                ("comptoir-provencal".to_owned(), "under_watch".to_owned()),
                ("electron-libre".to_owned(), "good".to_owned()),
                ("grenier-de-louise".to_owned(), "good".to_owned()),
                ("maison-colette".to_owned(), "good".to_owned()),
            ],
            "{name}"
        );

        let report = store.verify().await.unwrap();
        assert!(report.is_ok(), "{name}: {:?}", report.problems);
        assert_eq!(report.cases as usize, cases.len(), "{name}");

        // The same seed into a fresh store of the same backend gives the same cases and timelines.
        let twin = fresh_store(name).await;
        let twin_attachments = tempfile::tempdir().unwrap();
        demo::seed(
            &twin.store,
            SEED,
            anchor(),
            twin_attachments.path(),
            "http://127.0.0.1:8080",
        )
        .await
        .unwrap();
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
