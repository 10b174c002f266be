//! Service levels: every party's clock on a case, the targets a policy sets
//! on them, the automation rules that act before and after a breach, and the
//! merchant's quality over thirty days.
//!
//! Pure like the rest of the domain: the clocks are folded from the events
//! ([`clocks`]), a policy picks the targets ([`policy`]), business hours say
//! how much working time has passed ([`hours`]) and [`evaluate`] puts the
//! three together at an instant. The store keeps the result as a projection
//! (each target's status and next due date) so a sweep finds what is due
//! without reading the cases that are not.

pub mod clocks;
pub mod hours;
pub mod policy;
pub mod quality;
pub mod rules;

use clocks::{Clocks, Cycle, PauseReason};
use hours::BusinessHours;
use jiff::{SignedDuration, Timestamp};
use policy::{Applied, ClockKind, Target, TargetRule};
use serde::{Deserialize, Serialize};

pub use clocks::Court;
pub use policy::{SlaDocument, SlaSettings};

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TargetStatus {
    /// Running, and on time so far.
    Active,
    /// Every cycle met in time; nothing running.
    Hit,
    /// Nothing running, and at least one cycle was late.
    Missed,
    /// Running, and late now or late before.
    ActiveWithMisses,
}

impl TargetStatus {
    pub fn code(self) -> &'static str {
        match self {
            TargetStatus::Active => "active",
            TargetStatus::Hit => "hit",
            TargetStatus::Missed => "missed",
            TargetStatus::ActiveWithMisses => "active_with_misses",
        }
    }
}

/// A late cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Miss {
    pub started_at: Timestamp,
    pub due_at: Timestamp,
    /// When it was met at last; `None` while it is still running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_at: Option<Timestamp>,
}

/// One target of a case at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetReport {
    pub target: Target,
    pub status: TargetStatus,
    /// The policy that set it (`amiable` for the defaults).
    pub policy: String,
    /// The target, in seconds of its clock.
    pub within_seconds: i64,
    pub clock: ClockKind,
    /// The running cycle's due date (absent while it is paused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// When the running cycle's warning goes out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at: Option<Timestamp>,
    /// What the running cycle waits for, while it is paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<PauseReason>,
    /// The running cycle's start, or the last cycle's.
    pub since: Timestamp,
    /// Cycles so far (the running one included): 1 for first response and resolution
    /// unless the case was reopened.
    pub cycles: u32,
    /// The index (from 1) of the running cycle, 0 when none runs.
    pub running_cycle: u32,
    /// How much of its clock the last finished cycle took, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_took_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<Miss>,
}

/// The hours each side works.
#[derive(Debug, Clone, Copy)]
pub struct Teams<'a> {
    pub merchant: &'a BusinessHours,
    pub marketplace: &'a BusinessHours,
}

/// The instant a cycle's target falls due; `None` while the cycle is paused and has not
/// used its time up yet (nobody can say when it will be due).
pub fn cycle_due(
    cycle: &Cycle,
    within: SignedDuration,
    hours: &BusinessHours,
) -> Option<Timestamp> {
    let mut used = SignedDuration::ZERO;
    let mut from = cycle.started_at;
    for pause in &cycle.pauses {
        let spent = hours.elapsed(from, pause.from);
        if used + spent >= within {
            return hours.add(from, within - used);
        }
        used += spent;
        from = pause.until?;
    }
    hours.add(from, within - used)
}

/// The clock time a finished (or running, until `to`) cycle used, pauses excluded.
pub fn cycle_used(cycle: &Cycle, to: Timestamp, hours: &BusinessHours) -> SignedDuration {
    let end = cycle.ended_at.unwrap_or(to);
    let mut used = SignedDuration::ZERO;
    let mut from = cycle.started_at;
    for pause in &cycle.pauses {
        used += hours.elapsed(from, pause.from.min(end));
        match pause.until {
            Some(until) => from = until,
            None => return used,
        }
    }
    used + hours.elapsed(from, end)
}

fn hours_for<'a>(target: Target, rule: &TargetRule, teams: Teams<'a>) -> &'a BusinessHours {
    static ALWAYS: std::sync::OnceLock<BusinessHours> = std::sync::OnceLock::new();
    match rule.clock {
        ClockKind::Calendar => ALWAYS.get_or_init(BusinessHours::always),
        ClockKind::Business if target == Target::MarketplaceResponse => teams.marketplace,
        ClockKind::Business => teams.merchant,
    }
}

fn cycles_of(target: Target, clocks: &Clocks) -> &[Cycle] {
    match target {
        Target::FirstResponse => clocks.merchant.get(..1).unwrap_or(&[]),
        Target::NextResponse => clocks.merchant.get(1..).unwrap_or(&[]),
        Target::BuyerUpdate => &clocks.buyer_update,
        Target::Resolution => &clocks.resolution,
        Target::MarketplaceResponse => &clocks.marketplace,
    }
}

/// Every target the case has at `now`, in the order of [`Target::ALL`]. A target with no
/// cycle yet (no next response before the first, no marketplace target before an
/// escalation) is left out.
pub fn evaluate(
    clocks: &Clocks,
    applied: &Applied,
    teams: Teams<'_>,
    now: Timestamp,
) -> Vec<TargetReport> {
    let mut reports = Vec::new();
    for (target, rule) in &applied.rules {
        let cycles = cycles_of(*target, clocks);
        let Some(last) = cycles.last() else {
            continue;
        };
        let hours = hours_for(*target, rule, teams);
        let mut misses = Vec::new();
        let mut running = None;
        let mut last_took = None;
        for (index, cycle) in cycles.iter().enumerate() {
            let due = cycle_due(cycle, rule.within, hours);
            let late = due.is_some_and(|due| cycle.ended_at.unwrap_or(now) > due);
            if let (true, Some(due_at)) = (late, due) {
                misses.push(Miss {
                    started_at: cycle.started_at,
                    due_at,
                    met_at: cycle.ended_at,
                });
            }
            if cycle.is_running() {
                running = Some((index, cycle, due));
            } else {
                last_took = Some(cycle_used(cycle, now, hours).as_secs());
            }
        }
        let status = match (running.is_some(), misses.is_empty()) {
            (true, true) => TargetStatus::Active,
            (true, false) => TargetStatus::ActiveWithMisses,
            (false, true) => TargetStatus::Hit,
            (false, false) => TargetStatus::Missed,
        };
        let (due_at, warn_at, paused) = match running {
            Some((_, cycle, due)) => {
                let warn = due.and_then(|due| match rule.clock {
                    ClockKind::Calendar => due.checked_sub(rule.warn_before).ok(),
                    ClockKind::Business => hours.subtract(due, rule.warn_before),
                });
                (due, warn, cycle.paused())
            }
            None => (None, None, None),
        };
        reports.push(TargetReport {
            target: *target,
            status,
            policy: rule.policy.clone(),
            within_seconds: rule.within.as_secs(),
            clock: rule.clock,
            due_at: if paused.is_some() { None } else { due_at },
            warn_at: if paused.is_some() { None } else { warn_at },
            paused,
            since: running.map_or(last.started_at, |(_, c, _)| c.started_at),
            cycles: cycles.len() as u32,
            running_cycle: running.map_or(0, |(i, _, _)| i as u32 + 1),
            last_took_seconds: last_took,
            misses,
        });
    }
    reports
}

/// The next instant something happens to the case's targets after `now`-ish: the
/// earliest warning or due date of a running cycle not yet past. The sweep looks
/// at the case again then.
pub fn next_alarm(
    reports: &[TargetReport],
    alerted: impl Fn(Target, u32, Alert) -> bool,
) -> Option<Timestamp> {
    reports
        .iter()
        .flat_map(|r| {
            let warn = r
                .warn_at
                .filter(|_| !alerted(r.target, r.running_cycle, Alert::Warning));
            let due = r
                .due_at
                .filter(|_| !alerted(r.target, r.running_cycle, Alert::Breach));
            [warn, due]
        })
        .flatten()
        .min()
}

/// The two alerts of a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Alert {
    /// Before the breach: the team still has time.
    Warning,
    /// The target was missed.
    Breach,
    /// Still unmet well after the breach: the marketplace is told.
    Escalation,
}

impl Alert {
    pub fn code(self) -> &'static str {
        match self {
            Alert::Warning => "warning",
            Alert::Breach => "breach",
            Alert::Escalation => "escalation",
        }
    }
}

/// The nearest due date among the running targets (the inbox sorts by it).
pub fn nearest_due(reports: &[TargetReport]) -> Option<Timestamp> {
    reports.iter().filter_map(|r| r.due_at).min()
}

/// Everything that decides a case's service levels: the marketplace's and the merchant's
/// settings, and the marketplace's automation rules.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub marketplace: SlaSettings,
    pub merchant: Option<SlaSettings>,
    pub rules: Vec<rules::RuleDocument>,
}

/// An alert the sweep should raise now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAlert {
    pub target: Target,
    pub alert: Alert,
    pub cycle: u32,
    pub due_at: Timestamp,
    pub policy: String,
}

/// A rule a silence sets off now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRule {
    pub rule: usize,
    pub trigger: String,
}

/// A case's service levels at an instant, and what is due on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub reports: Vec<TargetReport>,
    /// The nearest due date of a running target (the inbox sorts by it).
    pub nearest_due: Option<Timestamp>,
    /// When the sweep should look at the case next: the earliest threshold not yet acted on
    /// (already past when something is due now).
    pub next_alarm: Option<Timestamp>,
    pub alerts: Vec<DueAlert>,
    pub silences: Vec<DueRule>,
}

/// When a missed merchant target still unmet is brought to the marketplace: half the
/// target again after the breach.
pub fn escalation_at(report: &TargetReport) -> Option<Timestamp> {
    if report.target == Target::MarketplaceResponse {
        return None;
    }
    let due = report.due_at?;
    due.checked_add(SignedDuration::from_secs(report.within_seconds / 2))
        .ok()
}

/// Whether a rule's conditions hold for the case.
pub fn rule_applies(rule: &rules::RuleDocument, state: &crate::case::CaseState) -> bool {
    rule.enabled
        && rule.conditions.matches(state)
        && rule.waiting_on.is_none_or(|p| state.waiting_on == Some(p))
}

/// Evaluates the case's targets at `now`, with the alerts and silences due and the next
/// instant anything will be.
pub fn assess(state: &crate::case::CaseState, config: &Config, now: Timestamp) -> Assessment {
    let applied = policy::applicable(state, &config.marketplace, config.merchant.as_ref());
    let merchant_hours = config
        .merchant
        .as_ref()
        .map_or(&config.marketplace.hours, |m| &m.hours);
    let teams = Teams {
        merchant: merchant_hours,
        marketplace: &config.marketplace.hours,
    };
    let reports = evaluate(&state.clocks, &applied, teams, now);
    let raised = |target: Target, cycle: u32, alert: Alert| {
        state
            .sla_alerts
            .iter()
            .any(|k| k.target == target && k.cycle == cycle && k.alert == alert)
    };
    let mut alerts = Vec::new();
    // The earliest threshold not yet acted on, past or future: the sweep picks the case up
    // when it is reached, and what it raises is then no longer pending.
    let mut next: Option<Timestamp> = None;
    let mut pending = |at: Timestamp| {
        next = Some(next.map_or(at, |n: Timestamp| n.min(at)));
    };
    for report in &reports {
        let (Some(due_at), cycle) = (report.due_at, report.running_cycle) else {
            continue;
        };
        if cycle == 0 {
            continue;
        }
        let mut raise = |alert| {
            alerts.push(DueAlert {
                target: report.target,
                alert,
                cycle,
                due_at,
                policy: report.policy.clone(),
            })
        };
        let breached = raised(report.target, cycle, Alert::Breach);
        if !breached {
            pending(due_at);
            if due_at <= now {
                raise(Alert::Breach);
            }
        }
        if let Some(at) = escalation_at(report)
            && !raised(report.target, cycle, Alert::Escalation)
        {
            pending(at);
            if at <= now {
                raise(Alert::Escalation);
            }
        }
        if let Some(warn_at) = report.warn_at
            && due_at > now
            && !breached
            && !raised(report.target, cycle, Alert::Warning)
        {
            pending(warn_at);
            if warn_at <= now {
                raise(Alert::Warning);
            }
        }
    }
    let mut silences = Vec::new();
    let running = state
        .clocks
        .buyer_update
        .iter()
        .enumerate()
        .next_back()
        .filter(|(_, c)| c.is_running());
    if let Some((index, cycle)) = running {
        for (position, rule) in config.rules.iter().enumerate() {
            let rules::Trigger::Silence { silent_for } = &rule.when else {
                continue;
            };
            let Some(policy::Span(span)) = policy::Span::parse(silent_for) else {
                continue;
            };
            if !rule_applies(rule, state) {
                continue;
            }
            let trigger = format!("silence:{}#{}", silent_for, index + 1);
            if state
                .automations
                .iter()
                .any(|f| f.rule_id == rule.id && f.trigger == trigger)
            {
                continue;
            }
            static ALWAYS: std::sync::OnceLock<BusinessHours> = std::sync::OnceLock::new();
            let Some(at) = cycle_due(cycle, span, ALWAYS.get_or_init(BusinessHours::always)) else {
                continue;
            };
            pending(at);
            if at <= now {
                silences.push(DueRule {
                    rule: position,
                    trigger,
                });
            }
        }
    }
    Assessment {
        nearest_due: nearest_due(&reports),
        next_alarm: next,
        reports,
        alerts,
        silences,
    }
}

/// The automation rules of a marketplace that has set none: the seed's own — the buyer
/// hears from the team before a seventh day without news (« si vous ne recevez
/// informations en 7 jours … », seed 003).
pub fn default_rules() -> Vec<rules::RuleDocument> {
    vec![rules::RuleDocument {
        id: "news-before-day-7".to_owned(),
        name: "Nouvelles avant le 7ᵉ jour".to_owned(),
        enabled: true,
        when: rules::Trigger::Silence {
            silent_for: "6d".to_owned(),
        },
        conditions: policy::Conditions::default(),
        waiting_on: None,
        actions: vec![rules::Action::StatusUpdate],
    }]
}
