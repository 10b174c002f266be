//! Automation rules: when something happens (an event, a service-level
//! warning or breach, a silence towards the buyer) on a case that meets the
//! conditions, do something (notify, assign, escalate, send the buyer a
//! status update, close). Rules are data, per marketplace, checked here.
//!
//! A rule that would trigger itself — or a chain of rules that would trigger
//! one another for ever — is refused: each action says which events it
//! writes, and the rules form a graph that must have no cycle.

use super::Alert;
use super::policy::{Conditions, Span, Target};
use crate::case::{Party, Stage};
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// At most this many rules per marketplace.
pub const MAX_RULES: usize = 100;

/// What sets a rule off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Trigger {
    /// An event of the case, e.g. `message_posted`, optionally only by one party.
    Event {
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Party>,
    },
    /// A target's warning (before the breach).
    SlaWarning { target: Target },
    /// A target was missed.
    SlaBreach { target: Target },
    /// The buyer has heard nothing for this long, e.g. `6d` (the buyer-update clock,
    /// paused while the case waits on the buyer).
    Silence {
        #[serde(rename = "for")]
        silent_for: String,
    },
}

impl Trigger {
    pub fn describe(&self) -> String {
        match self {
            Trigger::Event { event, by: None } => format!("event:{event}"),
            Trigger::Event {
                event,
                by: Some(by),
            } => format!("event:{event}:{}", by.code()),
            Trigger::SlaWarning { target } => format!("sla_warning:{}", target.code()),
            Trigger::SlaBreach { target } => format!("sla_breach:{}", target.code()),
            Trigger::Silence { silent_for } => format!("silence:{silent_for}"),
        }
    }

    /// Whether an alert raised on a target sets this rule off.
    pub fn on_alert(&self, target: Target, alert: Alert) -> bool {
        match self {
            Trigger::SlaWarning { target: t } => *t == target && alert == Alert::Warning,
            Trigger::SlaBreach { target: t } => *t == target && alert == Alert::Breach,
            _ => false,
        }
    }
}

/// Who a `notify` action tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum NotifyWho {
    /// The merchant's staff.
    Merchant,
    /// The marketplace's staff.
    Operator,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    Notify {
        who: NotifyWho,
    },
    /// To a person (`user_id`) or a team's round-robin (`team_id`).
    Assign {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team_id: Option<String>,
    },
    /// Up the ladder to the marketplace's mediation.
    Escalate,
    /// The buyer's status update: what is being done, by whom, by when.
    StatusUpdate,
    /// Closes a resolved case.
    Close,
}

impl Action {
    /// The event types the action writes on the case (beside `automation_fired`).
    pub fn writes(&self) -> &'static [&'static str] {
        match self {
            Action::Notify { .. } => &[],
            Action::Assign { .. } => &["case_assigned"],
            Action::Escalate => &["escalated"],
            Action::StatusUpdate => &["status_update_sent"],
            Action::Close => &["closed"],
        }
    }

    /// How it is named on the timeline (`automation_fired.actions`).
    pub fn code(&self) -> String {
        match self {
            Action::Notify { who } => format!(
                "notify:{}",
                match who {
                    NotifyWho::Merchant => "merchant",
                    NotifyWho::Operator => "operator",
                }
            ),
            Action::Assign {
                user_id: Some(user),
                ..
            } => format!("assign:{user}"),
            Action::Assign {
                team_id: Some(team),
                ..
            } => format!("assign_team:{team}"),
            Action::Assign { .. } => "assign".to_owned(),
            Action::Escalate => "escalate".to_owned(),
            Action::StatusUpdate => "status_update".to_owned(),
            Action::Close => "close".to_owned(),
        }
    }
}

/// A rule as written and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleDocument {
    /// A stable id, lower-case letters, digits and dashes (e.g. `news-before-day-7`).
    pub id: String,
    /// Its name on the timeline, e.g. « Nouvelles avant le 7ᵉ jour ».
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub when: Trigger,
    #[serde(default)]
    pub conditions: Conditions,
    /// Only while the case waits on this party (`buyer`, `merchant`, `operator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_on: Option<Party>,
    pub actions: Vec<Action>,
}

fn yes() -> bool {
    true
}

/// The event types a rule may listen to (the case's own, not the automation's record).
pub fn listenable(event: &str) -> bool {
    event != "automation_fired" && crate::case::Family::of_event(event).is_some()
}

/// Checks a marketplace's rules: each field, then that no rule or chain of rules sets
/// itself off.
pub fn check(rules: &[RuleDocument], field: &str) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let at = |rest: String| {
        if field.is_empty() {
            rest
        } else {
            format!("{field}{rest}")
        }
    };
    if rules.len() > MAX_RULES {
        errors.push(FieldError::new(
            at(String::new()),
            "automation.too_many_rules",
            format!("at most {MAX_RULES} rules"),
        ));
    }
    for (index, rule) in rules.iter().enumerate() {
        let f = |name: &str| at(format!("[{index}].{name}"));
        let id_ok = !rule.id.is_empty()
            && rule.id.len() <= 64
            && rule
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            errors.push(FieldError::new(
                f("id"),
                "automation.id_invalid",
                "lower-case letters, digits and dashes, at most 64",
            ));
        } else if rules[..index].iter().any(|r| r.id == rule.id) {
            errors.push(FieldError::new(
                f("id"),
                "automation.id_duplicate",
                "each rule has its own id",
            ));
        }
        if rule.name.trim().is_empty() || rule.name.chars().count() > 100 {
            errors.push(FieldError::new(
                f("name"),
                "automation.name_invalid",
                "name the rule (1 to 100 characters)",
            ));
        }
        match &rule.when {
            Trigger::Event { event, by } => {
                if !listenable(event) {
                    errors.push(FieldError::new(
                        f("when.event"),
                        "automation.event_unknown",
                        "an event type of a case, such as message_posted or escalated",
                    ));
                }
                if *by == Some(Party::System) {
                    errors.push(FieldError::new(
                        f("when.by"),
                        "automation.rule_loops",
                        "rules cannot listen to amiable's own doing",
                    ));
                }
            }
            Trigger::Silence { silent_for } => match Span::parse(silent_for) {
                Some(Span(d))
                    if d > jiff::SignedDuration::ZERO && d <= super::policy::MAX_TARGET => {}
                _ => errors.push(FieldError::new(
                    f("when.for"),
                    "automation.silence_invalid",
                    "a duration such as 6d or 36h, at most a year",
                )),
            },
            Trigger::SlaWarning { .. } | Trigger::SlaBreach { .. } => {}
        }
        if rule.actions.is_empty() || rule.actions.len() > 10 {
            errors.push(FieldError::new(
                f("actions"),
                "automation.actions_invalid",
                "one to ten actions",
            ));
        }
        for (i, action) in rule.actions.iter().enumerate() {
            if let Action::Assign { user_id, team_id } = action
                && user_id.is_some() == team_id.is_some()
            {
                errors.push(FieldError::new(
                    f(&format!("actions[{i}]")),
                    "automation.assign_invalid",
                    "assign to a user_id or a team_id, one of the two",
                ));
            }
            if *action == Action::Close
                && !matches!(rule.when, Trigger::Event { .. } | Trigger::Silence { .. })
            {
                errors.push(FieldError::new(
                    f(&format!("actions[{i}]")),
                    "automation.close_invalid",
                    "close on an event or a silence, never on a missed target",
                ));
            }
        }
        if let Some(party) = rule.waiting_on
            && !matches!(party, Party::Buyer | Party::Merchant | Party::Operator)
        {
            errors.push(FieldError::new(
                f("waiting_on"),
                "automation.waiting_on_invalid",
                "buyer, merchant or operator",
            ));
        }
        if rule.conditions.stages.contains(&Stage::External)
            && rule.actions.contains(&Action::Escalate)
        {
            errors.push(FieldError::new(
                f("actions"),
                "automation.escalate_invalid",
                "a case outside the marketplace cannot be escalated further",
            ));
        }
    }
    if errors.is_empty() {
        for index in looping(rules) {
            errors.push(FieldError::new(
                at(format!("[{index}].actions")),
                "automation.rule_loops",
                "its actions would set it off again (directly or through other rules)",
            ));
        }
    }
    errors.into_result()
}

/// Whether rule `a`'s actions set rule `b` off.
fn sets_off(a: &RuleDocument, b: &RuleDocument) -> bool {
    let Trigger::Event { event, by } = &b.when else {
        return false;
    };
    // An action is written by amiable (System); a trigger limited to another party ignores it.
    by.is_none()
        && a.actions
            .iter()
            .any(|action| action.writes().contains(&event.as_str()))
}

/// The enabled rules on a cycle of the "sets off" graph (a self-loop included).
fn looping(rules: &[RuleDocument]) -> Vec<usize> {
    let n = rules.len();
    let edges: Vec<Vec<usize>> = (0..n)
        .map(|a| {
            (0..n)
                .filter(|&b| rules[a].enabled && rules[b].enabled && sets_off(&rules[a], &rules[b]))
                .collect()
        })
        .collect();
    // A rule loops when it can reach itself.
    (0..n)
        .filter(|&start| {
            let mut seen = vec![false; n];
            let mut stack = edges[start].clone();
            while let Some(next) = stack.pop() {
                if next == start {
                    return true;
                }
                if !seen[next] {
                    seen[next] = true;
                    stack.extend(edges[next].iter().copied());
                }
            }
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, when: Trigger, actions: Vec<Action>) -> RuleDocument {
        RuleDocument {
            id: id.into(),
            name: id.into(),
            enabled: true,
            when,
            conditions: Conditions::default(),
            waiting_on: None,
            actions,
        }
    }

    #[test]
    fn a_rule_that_sets_itself_off_is_refused() {
        let selfish = rule(
            "echo",
            Trigger::Event {
                event: "status_update_sent".into(),
                by: None,
            },
            vec![Action::StatusUpdate],
        );
        let errors = check(&[selfish], "rules").unwrap_err();
        assert_eq!(errors.0[0].code, "automation.rule_loops");
        assert_eq!(errors.0[0].field, "rules[0].actions");
    }

    #[test]
    fn two_rules_that_set_each_other_off_are_refused() {
        let a = rule(
            "a",
            Trigger::Event {
                event: "case_assigned".into(),
                by: None,
            },
            vec![Action::Escalate],
        );
        let b = rule(
            "b",
            Trigger::Event {
                event: "escalated".into(),
                by: None,
            },
            vec![Action::Assign {
                user_id: None,
                team_id: Some("t".into()),
            }],
        );
        let errors = check(&[a.clone(), b.clone()], "").unwrap_err();
        assert_eq!(errors.0.len(), 2);
        // Limited to the buyer's own messages, the chain is broken.
        let mut b = b;
        b.when = Trigger::Event {
            event: "escalated".into(),
            by: Some(Party::Buyer),
        };
        assert!(check(&[a, b], "").is_ok());
    }

    #[test]
    fn the_silence_rule_of_the_seed_is_fine() {
        let news = rule(
            "news-before-day-7",
            Trigger::Silence {
                silent_for: "6d".into(),
            },
            vec![Action::StatusUpdate],
        );
        assert!(check(&[news], "").is_ok());
    }
}
