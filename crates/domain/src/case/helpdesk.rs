//! The helpdesk family: who handles a case, the service-level alerts raised
//! on it, the automation rules that fired on it, and the status updates
//! amiable sends the buyer on the team's behalf.
//!
//! All are on the timeline: an assignment names who took the case over, an
//! alert the target and cycle it is about, a firing the rule by its name.

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{invalid, require_party, require_status};
use super::model::*;
use super::state::CaseState;
use crate::sla::Alert;
use crate::sla::policy::Target;
use crate::text::Body;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use CaseStatus::{Cancelled, Closed, Open, Resolved};
use Party::{Merchant, Operator, System};

/// An alert raised: which target, which of its cycles, which alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertKey {
    pub target: Target,
    pub cycle: u32,
    pub alert: Alert,
}

/// A rule that fired, and on what (`silence#3`, `event#12`, `first_response:breach#1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FiredKey {
    pub rule_id: String,
    pub trigger: String,
}

/// Who handles the case now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignee {
    /// The staff user's id; absent when the case waits in a team's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Their name as shown, at the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum HelpdeskCommand {
    /// Gives the case to someone (or a team's queue); `assignee: null` leaves it unassigned.
    Assign { assignee: Option<Assignee> },
    /// The sweep: a target's warning, breach or escalation.
    RaiseSlaAlert {
        target: Target,
        alert: Alert,
        cycle: u32,
        due_at: Timestamp,
        policy: String,
    },
    /// An automation rule fired (its actions follow as their own events).
    RecordAutomation {
        rule_id: String,
        rule: String,
        trigger: String,
        actions: Vec<String>,
    },
    /// A status update to the buyer: what is being done, by whom, by when.
    SendStatusUpdate { body: Body },
}

impl HelpdeskCommand {
    pub const NAMES: &'static [&'static str] = &[
        "assign",
        "raise_sla_alert",
        "record_automation",
        "send_status_update",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            HelpdeskCommand::Assign { .. } => "assign",
            HelpdeskCommand::RaiseSlaAlert { .. } => "raise_sla_alert",
            HelpdeskCommand::RecordAutomation { .. } => "record_automation",
            HelpdeskCommand::SendStatusUpdate { .. } => "send_status_update",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HelpdeskEvent {
    CaseAssigned {
        assignee: Option<Assignee>,
    },
    SlaAlertRaised {
        target: Target,
        alert: Alert,
        cycle: u32,
        due_at: Timestamp,
        policy: String,
    },
    AutomationFired {
        rule_id: String,
        rule: String,
        trigger: String,
        actions: Vec<String>,
    },
    StatusUpdateSent {
        body: Body,
    },
}

impl HelpdeskEvent {
    pub const TYPES: &'static [&'static str] = &[
        "case_assigned",
        "sla_alert_raised",
        "automation_fired",
        "status_update_sent",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            HelpdeskEvent::CaseAssigned { .. } => "case_assigned",
            HelpdeskEvent::SlaAlertRaised { .. } => "sla_alert_raised",
            HelpdeskEvent::AutomationFired { .. } => "automation_fired",
            HelpdeskEvent::StatusUpdateSent { .. } => "status_update_sent",
        }
    }

    /// Only the status update is the buyer's; the rest is the staff's business.
    pub fn is_public(&self) -> bool {
        matches!(self, HelpdeskEvent::StatusUpdateSent { .. })
    }
}

fn short(field: &str, value: &str, max: usize) -> Result<(), Rejection> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control)
    {
        return Err(invalid(
            field,
            "helpdesk.value_invalid",
            format!("1 to {max} printable characters"),
        ));
    }
    Ok(())
}

pub(super) fn decide(
    state: &CaseState,
    command: &HelpdeskCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    let event = match command {
        HelpdeskCommand::Assign { assignee } => {
            require_party(name, party, &[Merchant, Operator, System])?;
            require_status(name, state, &[Open, Resolved])?;
            if let Some(a) = assignee {
                if a.user_id.is_none() && a.team_id.is_none() {
                    return Err(invalid(
                        "assignee",
                        "helpdesk.assignee_empty",
                        "name a person, a team, or null to unassign",
                    ));
                }
                for (field, value, max) in [
                    ("assignee.user_id", &a.user_id, 64),
                    ("assignee.name", &a.name, 200),
                    ("assignee.team_id", &a.team_id, 64),
                ] {
                    if let Some(value) = value {
                        short(field, value, max)?;
                    }
                }
            }
            if state.assignee == *assignee {
                return Err(invalid(
                    "assignee",
                    "helpdesk.already_assigned",
                    "the case is already there",
                ));
            }
            HelpdeskEvent::CaseAssigned {
                assignee: assignee.clone(),
            }
        }
        HelpdeskCommand::RaiseSlaAlert {
            target,
            alert,
            cycle,
            due_at,
            policy,
        } => {
            require_party(name, party, &[System])?;
            require_status(name, state, &[Open, Resolved, Closed, Cancelled])?;
            let key = AlertKey {
                target: *target,
                cycle: *cycle,
                alert: *alert,
            };
            if state.sla_alerts.contains(&key) {
                return Err(invalid(
                    "alert",
                    "helpdesk.already_raised",
                    "this alert was already raised on this cycle",
                ));
            }
            HelpdeskEvent::SlaAlertRaised {
                target: *target,
                alert: *alert,
                cycle: *cycle,
                due_at: *due_at,
                policy: policy.clone(),
            }
        }
        HelpdeskCommand::RecordAutomation {
            rule_id,
            rule,
            trigger,
            actions,
        } => {
            require_party(name, party, &[System])?;
            short("rule_id", rule_id, 64)?;
            short("rule", rule, 100)?;
            short("trigger", trigger, 200)?;
            if state
                .automations
                .iter()
                .any(|f| f.rule_id == *rule_id && f.trigger == *trigger)
            {
                return Err(invalid(
                    "rule_id",
                    "helpdesk.already_fired",
                    "this rule already fired on this",
                ));
            }
            HelpdeskEvent::AutomationFired {
                rule_id: rule_id.clone(),
                rule: rule.clone(),
                trigger: trigger.clone(),
                actions: actions.clone(),
            }
        }
        HelpdeskCommand::SendStatusUpdate { body } => {
            require_party(name, party, &[System, Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            HelpdeskEvent::StatusUpdateSent { body: body.clone() }
        }
    };
    Ok(vec![event.into()])
}

pub(super) fn evolve(state: &mut CaseState, event: &HelpdeskEvent) {
    match event {
        HelpdeskEvent::CaseAssigned { assignee } => state.assignee = assignee.clone(),
        HelpdeskEvent::SlaAlertRaised {
            target,
            alert,
            cycle,
            ..
        } => state.sla_alerts.push(AlertKey {
            target: *target,
            cycle: *cycle,
            alert: *alert,
        }),
        HelpdeskEvent::AutomationFired {
            rule_id, trigger, ..
        } => state.automations.push(FiredKey {
            rule_id: rule_id.clone(),
            trigger: trigger.clone(),
        }),
        HelpdeskEvent::StatusUpdateSent { .. } => {}
    }
    // A status update is news for the buyer (the clocks see it) but nobody's move changes.
}
