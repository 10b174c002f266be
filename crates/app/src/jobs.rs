//! The timers: the background worker claims due jobs and runs them — a quiet
//! resolved case closed, a label expired, the legal refund deadline reminded,
//! a refund the gateway could not execute tried again.
//!
//! Jobs are claimed with a lease, so a worker that dies mid-job only delays
//! it: another worker (or node) takes it over when the lease expires.

use crate::ports::payments::PaymentGateway;
use amiable_domain::case::automation::{
    APPEAL_WINDOW_JOB, AUTO_CLOSE_JOB, AutoClose, LABEL_EXPIRY_JOB, LABEL_REMINDER_JOB,
    REFUND_DEADLINE_JOB, REFUND_EXECUTE_JOB, auto_close,
};
use amiable_domain::case::{Actor, CaseStatus, Command, ReminderTopic, ReturnStage};
use amiable_domain::case::{LifecycleCommand, MoneyCommand, ReturnCommand};
use amiable_domain::ids::CaseId;
use amiable_store::{CommandError, CommandRequest, Job, JobFailure, Store};
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// How long a refund the gateway could not execute waits before the next attempt.
const REFUND_RETRY: SignedDuration = SignedDuration::from_secs(600);

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
    gateway: std::sync::Arc<dyn PaymentGateway>,
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
        match run_due(&store, gateway.as_ref(), &worker_id, Timestamp::now()).await {
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

/// Deletes idempotency keys past retention, expired sessions and old presence heartbeats.
pub async fn sweep(store: &Store) {
    match store.purge_idempotency_keys().await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "expired idempotency keys deleted"),
        Err(error) => tracing::warn!(%error, "cannot purge idempotency keys"),
    }
    if let Err(error) = store.purge_sessions().await {
        tracing::warn!(%error, "cannot purge expired sessions");
    }
    let stale = Timestamp::now() - crate::helpdesk::presence::PRESENT_FOR;
    if let Err(error) = store.purge_presence(stale).await {
        tracing::warn!(%error, "cannot purge old presence heartbeats");
    }
}

/// Claims and runs one batch of due jobs; returns how many ran.
pub async fn run_due(
    store: &Store,
    gateway: &dyn PaymentGateway,
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
        match run_job(store, gateway, &job, now).await {
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

async fn run_job(
    store: &Store,
    gateway: &dyn PaymentGateway,
    job: &Job,
    now: Timestamp,
) -> Result<JobOutcome, String> {
    match job.kind.as_str() {
        AUTO_CLOSE_JOB => auto_close_case(store, job, now).await,
        LABEL_EXPIRY_JOB => expire_label(store, job, now).await,
        LABEL_REMINDER_JOB => remind_label(store, job, now).await,
        REFUND_DEADLINE_JOB => refund_deadline(store, job, now).await,
        REFUND_EXECUTE_JOB => execute_refunds(store, gateway, job, now).await,
        APPEAL_WINDOW_JOB => appeal_window_closed(store, job).await,
        other => Err(format!("unknown job kind '{other}'")),
    }
}

fn job_case(job: &Job) -> Result<CaseId, String> {
    job.payload
        .get("case_id")
        .and_then(|v| v.as_str())
        .and_then(|v| CaseId::parse(v).ok())
        .ok_or_else(|| "the job has no case_id".to_owned())
}

/// Runs a system command; a rejection means the moment passed (someone acted): done.
async fn system_command(
    store: &Store,
    case_id: CaseId,
    version: i64,
    command: Command,
    job_kind: &str,
) -> Result<JobOutcome, String> {
    let request = CommandRequest {
        case_id,
        expected_version: Some(version),
        command,
        actor: Actor::System {
            id: job_kind.into(),
        },
        order_id: None,
        at: None,
    };
    match store.execute(request).await {
        Ok(_) => Ok(JobOutcome::Done),
        Err(CommandError::Conflict { .. }) => Err("the case changed meanwhile; retrying".into()),
        Err(CommandError::Rejected(rejection)) => {
            tracing::info!(%case_id, code = rejection.code(), kind = job_kind, "timer no longer applies");
            Ok(JobOutcome::Done)
        }
        Err(error) => Err(error.to_string()),
    }
}

/// A decision's appeal window closed: unless it was appealed (the appeal's hearing names
/// the mediator), or the consumer mediator was already named, the buyer is told of it now.
/// The decider judges whether the decision is final and a mediator is set.
async fn appeal_window_closed(store: &Store, job: &Job) -> Result<JobOutcome, String> {
    let case_id = job_case(job)?;
    let Some(record) = store.case(case_id).await.map_err(|e| e.to_string())? else {
        return Ok(JobOutcome::Done);
    };
    let pending = record
        .state
        .mediation
        .as_ref()
        .is_some_and(|m| m.appeal.is_none() && m.consumer_mediator.is_none());
    if !pending {
        return Ok(JobOutcome::Done);
    }
    system_command(
        store,
        case_id,
        record.state.version,
        Command::Mediation(amiable_domain::case::MediationCommand::OfferConsumerMediation),
        APPEAL_WINDOW_JOB,
    )
    .await
}

/// A label whose date passed, before the parcel was scanned: `label_expired`.
async fn expire_label(store: &Store, job: &Job, now: Timestamp) -> Result<JobOutcome, String> {
    let case_id = job_case(job)?;
    let Some(record) = store.case(case_id).await.map_err(|e| e.to_string())? else {
        return Ok(JobOutcome::Done);
    };
    let Some(progress) = &record.state.returns else {
        return Ok(JobOutcome::Done);
    };
    let Some(label) = &progress.label else {
        return Ok(JobOutcome::Done);
    };
    if progress.stage != ReturnStage::LabelIssued || record.state.status != CaseStatus::Open {
        return Ok(JobOutcome::Done);
    }
    if label.expires_at > now {
        // A newer label: its own expiry.
        return Ok(JobOutcome::Rescheduled(label.expires_at));
    }
    system_command(
        store,
        case_id,
        record.state.version,
        Command::Returns(ReturnCommand::ExpireLabel),
        LABEL_EXPIRY_JOB,
    )
    .await
}

/// Two days before a label expires, while the parcel has not left: the buyer is
/// reminded (an event on the case, which the buyer is told of by email and SMS).
async fn remind_label(store: &Store, job: &Job, now: Timestamp) -> Result<JobOutcome, String> {
    let case_id = job_case(job)?;
    let Some(record) = store.case(case_id).await.map_err(|e| e.to_string())? else {
        return Ok(JobOutcome::Done);
    };
    let state = &record.state;
    let waiting = state.returns.as_ref().is_some_and(|p| {
        p.stage == ReturnStage::LabelIssued
            && p.label.as_ref().is_some_and(|l| l.expires_at > now)
            && !p.reminders.contains(&ReminderTopic::LabelExpiring)
    });
    if !waiting || state.status != CaseStatus::Open {
        return Ok(JobOutcome::Done);
    }
    system_command(
        store,
        case_id,
        state.version,
        Command::Money(MoneyCommand::SendReminder {
            topic: ReminderTopic::LabelExpiring,
        }),
        LABEL_REMINDER_JOB,
    )
    .await
}

/// Reminds of the legal refund deadline (C. conso L221-24), before it and when it passed.
async fn refund_deadline(store: &Store, job: &Job, now: Timestamp) -> Result<JobOutcome, String> {
    let case_id = job_case(job)?;
    let topic = match job.payload.get("topic").and_then(|v| v.as_str()) {
        Some("refund_overdue") => ReminderTopic::RefundOverdue,
        _ => ReminderTopic::RefundDue,
    };
    let Some(record) = store.case(case_id).await.map_err(|e| e.to_string())? else {
        return Ok(JobOutcome::Done);
    };
    let state = &record.state;
    let Some(progress) = &state.returns else {
        return Ok(JobOutcome::Done);
    };
    let done = state.status != CaseStatus::Open
        || state.refunded() > 0
        || state.store_credit.is_some()
        || progress.reminders.contains(&topic);
    if done {
        return Ok(JobOutcome::Done);
    }
    // The merchant may hold the refund until the goods are back or proven sent; the
    // reminders are scheduled again when that happens (automation.rs).
    let held = progress.goods_back_or_sent().is_none() && !progress.returnless;
    if held {
        return Ok(JobOutcome::Done);
    }
    if topic == ReminderTopic::RefundOverdue
        && let (Some(due_by), Some(back)) = (progress.refund_due_by, progress.goods_back_or_sent())
    {
        let law = store
            .rules_pack(state.operator_id)
            .await
            .map_err(|e| e.to_string())?;
        let effective = due_by.max(law.date_of(back));
        if law.date_of(now) <= effective {
            let next = effective
                .tomorrow()
                .ok()
                .and_then(|d| d.at(8, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp())
                .unwrap_or(now);
            return Ok(JobOutcome::Rescheduled(next.max(now)));
        }
    }
    system_command(
        store,
        case_id,
        state.version,
        Command::Money(MoneyCommand::SendReminder { topic }),
        REFUND_DEADLINE_JOB,
    )
    .await
}

/// Executes refunds the API could not finish (crash, gateway outage).
async fn execute_refunds(
    store: &Store,
    gateway: &dyn PaymentGateway,
    job: &Job,
    now: Timestamp,
) -> Result<JobOutcome, String> {
    let case_id = job_case(job)?;
    let Some(record) = store.case(case_id).await.map_err(|e| e.to_string())? else {
        return Ok(JobOutcome::Done);
    };
    let transaction_id = store
        .order(record.state.order_id)
        .await
        .map_err(|e| e.to_string())?
        .and_then(|o| {
            o.order
                .payment
                .map(|p| p.transaction_id.as_str().to_owned())
        });
    match crate::money::execute_pending(store, gateway, &record.state, transaction_id).await {
        Ok(()) => Ok(JobOutcome::Done),
        // Money owed is never given up on: try again later, as long as it takes.
        Err(error) => {
            tracing::warn!(%case_id, %error, "refund not executed yet; retrying in 10 minutes");
            Ok(JobOutcome::Rescheduled(
                now.saturating_add(REFUND_RETRY).unwrap_or(now),
            ))
        }
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
                command: Command::Lifecycle(LifecycleCommand::Close),
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
