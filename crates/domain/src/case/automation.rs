//! Timers a case sets for itself, decided from its state (no IO here: the
//! store enqueues the jobs in the transaction that appends the events).

use super::model::CaseStatus;
use super::state::CaseState;
use crate::law::LawPack;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// The job that closes a resolved case after a quiet period.
pub const AUTO_CLOSE_JOB: &str = "case.auto_close";
/// The job that marks a return label expired when its date passes.
pub const LABEL_EXPIRY_JOB: &str = "return.label_expiry";
/// The job that reminds the buyer to drop the parcel off before the label expires.
pub const LABEL_REMINDER_JOB: &str = "return.label_reminder";
/// How long before a label's expiry the buyer is reminded.
pub const LABEL_REMINDER_BEFORE: SignedDuration = SignedDuration::from_hours(48);
/// The jobs that remind the merchant of the legal refund deadline (L221-24),
/// before it (`refund_due`) and the day after, when it passed (`refund_overdue`).
pub const REFUND_DEADLINE_JOB: &str = "refund.deadline";
/// The job that has the payment gateway execute a recorded refund (the
/// outbox: the API executes it at once; this job retries what did not finish).
pub const REFUND_EXECUTE_JOB: &str = "refund.execute";

/// The job that names the consumer mediator to the buyer when a decision's appeal window
/// closes without an appeal (C. conso L612-1): the decision is then final.
pub const APPEAL_WINDOW_JOB: &str = "mediation.appeal_window";

/// How long before the legal refund deadline the merchant is reminded.
pub const REFUND_REMINDER_DAYS_BEFORE: i64 = 2;
/// How long the API has to execute a refund before the job does it.
pub const REFUND_EXECUTE_GRACE: SignedDuration = SignedDuration::from_secs(60);

/// Tunable automation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Automation {
    /// How long a resolved case stays without activity before it is closed.
    pub auto_close_after: SignedDuration,
}

impl Default for Automation {
    fn default() -> Self {
        Self {
            auto_close_after: SignedDuration::from_hours(14 * 24),
        }
    }
}

/// A job to enqueue with the events.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledJob {
    pub kind: &'static str,
    pub due_at: Timestamp,
    pub payload: Value,
}

/// The jobs that a transition from `before` to `after` schedules.
pub fn scheduled_jobs(
    before: Option<&CaseState>,
    after: &CaseState,
    automation: &Automation,
    law: &LawPack,
    ladder: Option<&super::mediation::LadderRules>,
) -> Vec<ScheduledJob> {
    let mut jobs = Vec::new();
    let case_id = after.case_id.to_string();
    // A new decision of the marketplace: once its appeal window closes, it is final.
    let decided_at = |s: &CaseState| s.mediation.as_ref().and_then(|m| m.decided_at);
    if let (Some(at), Some(ladder)) = (decided_at(after), ladder)
        && before.and_then(decided_at) != Some(at)
    {
        jobs.push(ScheduledJob {
            kind: APPEAL_WINDOW_JOB,
            // Just after the window's last instant.
            due_at: ladder
                .appeal_until(at)
                .saturating_add(SignedDuration::from_secs(60))
                .unwrap_or(at),
            payload: json!({ "case_id": case_id }),
        });
    }
    let was_resolved = before.is_some_and(|b| b.status == CaseStatus::Resolved);
    if let (false, CaseStatus::Resolved, Some(resolved_at)) =
        (was_resolved, after.status, after.resolved_at)
    {
        jobs.push(ScheduledJob {
            kind: AUTO_CLOSE_JOB,
            due_at: resolved_at
                .saturating_add(automation.auto_close_after)
                .unwrap_or(resolved_at),
            payload: json!({ "case_id": case_id }),
        });
    }
    let before_return = before.and_then(|b| b.returns.as_ref());
    if let Some(progress) = &after.returns {
        let labels_before = before_return.map_or(0, |r| r.labels_issued);
        if progress.labels_issued > labels_before
            && let Some(label) = &progress.label
        {
            jobs.push(ScheduledJob {
                kind: LABEL_EXPIRY_JOB,
                due_at: label.expires_at,
                payload: json!({ "case_id": case_id }),
            });
            // Two days before, if the label lives longer than that.
            if let Ok(remind_at) = label.expires_at.checked_sub(LABEL_REMINDER_BEFORE)
                && remind_at > label.issued_at
            {
                jobs.push(ScheduledJob {
                    kind: LABEL_REMINDER_JOB,
                    due_at: remind_at,
                    payload: json!({ "case_id": case_id }),
                });
            }
        }
        // The refund deadline's reminders, once it can no longer be held: the goods are back
        // or proven sent, or the buyer keeps them (C. conso L221-24).
        let clock_running = |r: &super::returns::ReturnProgress| {
            r.refund_due_by.is_some() && (r.goods_back_or_sent().is_some() || r.returnless)
        };
        if clock_running(progress)
            && !before_return.is_some_and(clock_running)
            && let Some(due_by) = progress.refund_due_by
        {
            let held_until = progress.goods_back_or_sent().map(|at| law.date_of(at));
            let due_by = held_until.map_or(due_by, |day| due_by.max(day));
            // 08:00 UTC: 9:00 or 10:00 in Paris, a working morning.
            let morning = |date: jiff::civil::Date| {
                date.at(8, 0, 0, 0)
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .map(|z| z.timestamp())
                    .ok()
            };
            let before_day = due_by
                .checked_sub(jiff::Span::new().days(REFUND_REMINDER_DAYS_BEFORE))
                .ok()
                .and_then(morning);
            let after_day = due_by.tomorrow().ok().and_then(morning);
            for (topic, due_at) in [("refund_due", before_day), ("refund_overdue", after_day)] {
                if let Some(due_at) = due_at {
                    jobs.push(ScheduledJob {
                        kind: REFUND_DEADLINE_JOB,
                        due_at,
                        payload: json!({ "case_id": case_id, "topic": topic }),
                    });
                }
            }
        }
    }
    let before_refunds = before.map_or(0, |b| b.refunds.len());
    for refund in after.refunds.iter().skip(before_refunds) {
        if refund.status == super::model::RefundStatus::Pending {
            jobs.push(ScheduledJob {
                kind: REFUND_EXECUTE_JOB,
                due_at: refund
                    .recorded_at
                    .saturating_add(REFUND_EXECUTE_GRACE)
                    .unwrap_or(refund.recorded_at),
                payload: json!({ "case_id": case_id, "refund_id": refund.refund_id }),
            });
        }
    }
    jobs
}

/// What the auto-close job should do when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoClose {
    /// Quiet long enough: close now.
    CloseNow,
    /// There was activity since: look again at this instant.
    NotBefore(Timestamp),
    /// The case is no longer resolved (reopened, escalated, already closed).
    NothingToDo,
}

pub fn auto_close(state: &CaseState, automation: &Automation, now: Timestamp) -> AutoClose {
    if state.status != CaseStatus::Resolved {
        return AutoClose::NothingToDo;
    }
    // Not while a refund waits for the payment gateway: look again tomorrow.
    if state
        .refunds
        .iter()
        .any(|r| r.status == super::model::RefundStatus::Pending)
    {
        return AutoClose::NotBefore(
            now.saturating_add(SignedDuration::from_hours(24))
                .unwrap_or(now),
        );
    }
    let due = state
        .last_activity_at
        .saturating_add(automation.auto_close_after)
        .unwrap_or(state.last_activity_at);
    if due <= now {
        AutoClose::CloseNow
    } else {
        AutoClose::NotBefore(due)
    }
}
