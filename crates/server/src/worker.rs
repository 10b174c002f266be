//! The background worker: claims due jobs and runs them.
//!
//! Jobs are claimed with a lease, so a worker that dies mid-job only delays
//! it: another worker (or node) takes it over when the lease expires.

use amiable_domain::case::automation::{AUTO_CLOSE_JOB, AutoClose, auto_close};
use amiable_domain::case::{Actor, Command};
use amiable_domain::ids::CaseId;
use amiable_store::{CommandError, CommandRequest, Job, JobFailure, Store};
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// How long a claimed job is ours before others may take it.
const LEASE: SignedDuration = SignedDuration::from_secs(120);
const BATCH: i64 = 50;

/// What running one job came to.
#[derive(Debug, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    Rescheduled(Timestamp),
}

/// Runs due jobs until `stop` is set; polls every `interval` when idle.
pub async fn run(
    store: Store,
    worker_id: String,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut next_sweep = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_sweep {
            sweep(&store).await;
            next_sweep = tokio::time::Instant::now() + SWEEP_EVERY;
        }
        match run_due(&store, &worker_id, Timestamp::now()).await {
            Ok(0) | Err(_) => {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stop.changed() => {}
                }
            }
            Ok(_) => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

/// How often expired idempotency keys and sessions are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(15 * 60);

/// Deletes idempotency keys past retention and expired sessions.
pub async fn sweep(store: &Store) {
    match store.purge_idempotency_keys().await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "expired idempotency keys deleted"),
        Err(error) => tracing::warn!(%error, "cannot purge idempotency keys"),
    }
    if let Err(error) = store.purge_sessions().await {
        tracing::warn!(%error, "cannot purge expired sessions");
    }
}

/// Claims and runs one batch of due jobs; returns how many ran.
pub async fn run_due(
    store: &Store,
    worker_id: &str,
    now: Timestamp,
) -> Result<usize, amiable_store::StoreError> {
    let jobs = store
        .claim_jobs(worker_id, BATCH, LEASE, now)
        .await
        .inspect_err(|error| {
            tracing::error!(%error, "cannot claim jobs");
        })?;
    let count = jobs.len();
    for job in jobs {
        match run_job(store, &job, now).await {
            Ok(JobOutcome::Rescheduled(at)) => {
                if !store.reschedule_job(job.id, worker_id, at).await? {
                    tracing::warn!(
                        job = job.id,
                        "lost the lease before rescheduling; another worker has it"
                    );
                }
            }
            Ok(JobOutcome::Done) => {
                if !store
                    .complete_job(job.id, worker_id, Timestamp::now())
                    .await?
                {
                    tracing::warn!(
                        job = job.id,
                        "lost the lease before completing; another worker has it"
                    );
                }
            }
            Err(error) => {
                // Back off quadratically: 30 s, 2 min, 4.5 min, …
                let delay = SignedDuration::from_secs(30 * job.attempts * job.attempts);
                let retry_at = now.saturating_add(delay).unwrap_or(now);
                let failure = store
                    .fail_job(job.id, worker_id, &error, retry_at, Timestamp::now())
                    .await?;
                if failure == JobFailure::Dead {
                    tracing::error!(job = job.id, kind = %job.kind, %error, "job gave up after its last attempt");
                } else {
                    tracing::warn!(job = job.id, kind = %job.kind, %error, "job failed; will retry");
                }
            }
        }
    }
    Ok(count)
}

async fn run_job(store: &Store, job: &Job, now: Timestamp) -> Result<JobOutcome, String> {
    match job.kind.as_str() {
        AUTO_CLOSE_JOB => auto_close_case(store, job, now).await,
        other => Err(format!("unknown job kind '{other}'")),
    }
}

async fn auto_close_case(store: &Store, job: &Job, now: Timestamp) -> Result<JobOutcome, String> {
    let case_id = job
        .payload
        .get("case_id")
        .and_then(|v| v.as_str())
        .and_then(|v| CaseId::parse(v).ok())
        .ok_or("the job has no case_id")?;
    let Some(record) = store.case(case_id).await.map_err(|e| e.to_string())? else {
        return Ok(JobOutcome::Done);
    };
    match auto_close(&record.state, &store.automation(), now) {
        AutoClose::NothingToDo => Ok(JobOutcome::Done),
        AutoClose::NotBefore(at) => Ok(JobOutcome::Rescheduled(at)),
        AutoClose::CloseNow => {
            let request = CommandRequest {
                case_id,
                expected_version: Some(record.state.version),
                command: Command::Close,
                actor: Actor::System {
                    id: AUTO_CLOSE_JOB.into(),
                },
                order_id: None,
                at: None,
            };
            match store.execute(request).await {
                Ok(_) => Ok(JobOutcome::Done),
                // Someone acted meanwhile: look again on the next run.
                Err(CommandError::Conflict { .. }) => {
                    Err("the case changed while closing; retrying".into())
                }
                Err(CommandError::Rejected(rejection)) => {
                    tracing::info!(%case_id, code = rejection.code(), "auto-close no longer applies");
                    Ok(JobOutcome::Done)
                }
                Err(error) => Err(error.to_string()),
            }
        }
    }
}
