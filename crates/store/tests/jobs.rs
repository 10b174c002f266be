//! Jobs and timers on both backends, including workers racing for the same jobs.

mod fixtures;

use amiable_store::testing::test_stores;
use amiable_store::{JobFailure, NewJob, Store};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;

fn job(kind: &str, due_at: Timestamp) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: serde_json::json!({"n": 1}),
        case_id: None,
        due_at,
        max_attempts: 3,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_jobs_are_claimed_once_and_completed() {
    for t in test_stores().await {
        let store = &t.store;
        let now = Timestamp::now();
        let due = store
            .enqueue_job(&job("reminder", now - SignedDuration::from_secs(5)))
            .await
            .unwrap();
        let later = store
            .enqueue_job(&job("reminder", now + SignedDuration::from_hours(1)))
            .await
            .unwrap();
        let lease = SignedDuration::from_secs(30);

        let claimed = store.claim_jobs("worker-a", 10, lease, now).await.unwrap();
        assert_eq!(
            claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![due],
            "{}",
            t.name
        );
        assert_eq!(claimed[0].attempts, 1);
        assert_eq!(claimed[0].payload["n"], 1);
        assert!(
            store
                .claim_jobs("worker-b", 10, lease, now)
                .await
                .unwrap()
                .is_empty(),
            "a leased job is not claimed twice"
        );
        assert!(
            !store.complete_job(due, "worker-b", now).await.unwrap(),
            "only the lease holder completes"
        );
        assert!(store.complete_job(due, "worker-a", now).await.unwrap());
        assert_eq!(store.job_status(due).await.unwrap().unwrap().0, "done");
        assert_eq!(store.pending_jobs().await.unwrap(), 1);

        let in_two_hours = now + SignedDuration::from_hours(2);
        let claimed = store
            .claim_jobs("worker-a", 10, lease, in_two_hours)
            .await
            .unwrap();
        assert_eq!(
            claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![later]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_reclaimed_and_failures_retry_then_die() {
    for t in test_stores().await {
        let store = &t.store;
        let now = Timestamp::now();
        let id = store.enqueue_job(&job("flaky", now)).await.unwrap();
        let lease = SignedDuration::from_secs(30);
        assert_eq!(
            store
                .claim_jobs("crashed", 1, lease, now)
                .await
                .unwrap()
                .len(),
            1
        );
        // The worker died; after the lease expires another one takes over.
        let later = now + SignedDuration::from_secs(31);
        let reclaimed = store.claim_jobs("survivor", 1, lease, later).await.unwrap();
        assert_eq!(
            (reclaimed[0].id, reclaimed[0].attempts),
            (id, 2),
            "{}",
            t.name
        );
        assert!(
            !store.complete_job(id, "crashed", later).await.unwrap(),
            "the dead worker lost its lease"
        );

        assert_eq!(
            store
                .fail_job(id, "survivor", "SMTP 451", later, later)
                .await
                .unwrap(),
            JobFailure::Retry
        );
        let third = store.claim_jobs("survivor", 1, lease, later).await.unwrap();
        assert_eq!(third[0].attempts, 3);
        assert_eq!(
            store
                .fail_job(id, "survivor", "SMTP 451", later, later)
                .await
                .unwrap(),
            JobFailure::Dead
        );
        assert_eq!(store.job_status(id).await.unwrap().unwrap().0, "dead");
        assert!(
            store
                .claim_jobs("survivor", 1, lease, later + SignedDuration::from_hours(1))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .fail_job(id, "survivor", "late", later, later)
                .await
                .unwrap(),
            JobFailure::LeaseLost
        );
    }
}

/// Two workers with their own connection pools (two app nodes) drain the
/// same queue concurrently: every job runs exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_racing_take_each_job_exactly_once() {
    for t in test_stores().await {
        let now = Timestamp::now();
        let total = 300;
        for _ in 0..total {
            t.store.enqueue_job(&job("race", now)).await.unwrap();
        }
        let mut config = t.config.clone();
        config.migrate = false;
        let second_node = Store::connect(&config).await.unwrap();
        let nodes = [t.store.clone(), second_node];
        let workers: Vec<_> = nodes
            .iter()
            .enumerate()
            .map(|(i, store)| {
                let store = store.clone();
                tokio::spawn(async move {
                    let name = format!("node-{i}");
                    let mut mine = Vec::new();
                    loop {
                        let claimed = store
                            .claim_jobs(&name, 7, SignedDuration::from_secs(60), Timestamp::now())
                            .await
                            .unwrap();
                        if claimed.is_empty() {
                            break;
                        }
                        for job in claimed {
                            assert!(
                                store
                                    .complete_job(job.id, &name, Timestamp::now())
                                    .await
                                    .unwrap()
                            );
                            mine.push(job.id);
                        }
                        tokio::task::yield_now().await;
                    }
                    mine
                })
            })
            .collect();
        let mut seen = HashSet::new();
        let mut per_worker = Vec::new();
        for worker in workers {
            let ids = worker.await.unwrap();
            per_worker.push(ids.len());
            for id in ids {
                assert!(seen.insert(id), "{}: job {id} ran twice", t.name);
            }
        }
        assert_eq!(seen.len(), total, "{}: {per_worker:?}", t.name);
        assert_eq!(t.store.pending_jobs().await.unwrap(), 0);
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
