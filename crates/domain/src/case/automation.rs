//! Timers a case sets for itself, decided from its state (no IO here: the
//! store enqueues the jobs in the transaction that appends the events).

use super::model::CaseStatus;
use super::state::CaseState;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// The job that closes a resolved case after a quiet period.
pub const AUTO_CLOSE_JOB: &str = "case.auto_close";

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
) -> Vec<ScheduledJob> {
    let was_resolved = before.is_some_and(|b| b.status == CaseStatus::Resolved);
    match (was_resolved, after.status, after.resolved_at) {
        (false, CaseStatus::Resolved, Some(resolved_at)) => vec![ScheduledJob {
            kind: AUTO_CLOSE_JOB,
            due_at: resolved_at
                .saturating_add(automation.auto_close_after)
                .unwrap_or(resolved_at),
            payload: json!({ "case_id": after.case_id.to_string() }),
        }],
        _ => Vec::new(),
    }
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
