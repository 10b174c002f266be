//! The SLA sweep: finds the cases whose next alarm has come (an index read,
//! in proportion to what is due), raises each warning, breach and escalation
//! once (as a timeline event the notifications follow), and runs the
//! marketplace's automation rules — the silence rule first, so a status update
//! sent on day 6 leaves nothing to warn about on day 7.
//!
//! Each step is a case command of amiable (`Actor::System`), so it is
//! exactly-once whatever the number of nodes: the decider refuses an alert or
//! a rule already recorded on the case, and a concurrent change is a version
//! conflict that the next sweep retries.

use super::status::{Names, compose, lang_of};
use crate::{App, Error};
use amiable_domain::case::{
    Actor, Assignee, CaseState, CaseStatus, Command, EscalationCommand, HelpdeskCommand,
    LifecycleCommand, Stage,
};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId};
use amiable_domain::sla::rules::{Action as RuleAction, RuleDocument, Trigger};
use amiable_domain::sla::{Config, assess, rule_applies};
use amiable_domain::text::Label;
use amiable_store::{CommandError, CommandOutcome, CommandRequest};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The most cases one sweep pass looks at.
pub const SWEEP_BATCH: i64 = 1000;
/// Cases a pass handles at once (their commands share the writer's transactions).
pub const SWEEP_CONCURRENCY: usize = 64;

/// The configurations a pass read, by shop.
type Configs = Arc<tokio::sync::Mutex<HashMap<(OperatorId, MerchantId), Arc<Config>>>>;
/// How long a case whose alarm could not be handled waits before the next try.
const RETRY: SignedDuration = SignedDuration::from_secs(300);
const ACTOR: &str = "sla";
/// The shops' quality is evaluated a minute after start, then every six hours.
const QUALITY_FIRST: Duration = Duration::from_secs(60);
const QUALITY_EVERY: Duration = Duration::from_secs(6 * 3600);

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub cases: usize,
    pub alerts: usize,
    pub automations: usize,
}

fn system() -> Actor {
    Actor::System { id: ACTOR.into() }
}

impl App {
    /// Sweeps until `stop` is set, every `interval` (sooner while there is more to do).
    pub async fn run_sla(&self, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut next_quality = tokio::time::Instant::now() + QUALITY_FIRST;
        loop {
            if tokio::time::Instant::now() >= next_quality {
                self.quality_pass().await;
                next_quality = tokio::time::Instant::now() + QUALITY_EVERY;
            }
            let busy = match self.sla_sweep(Timestamp::now()).await {
                Ok(report) => report.cases as i64 >= SWEEP_BATCH,
                Err(error) => {
                    tracing::warn!(%error, "SLA sweep failed; retrying");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = stop.changed() => {}
                }
            }
            if *stop.borrow() {
                break;
            }
        }
    }

    /// Evaluates every shop of every marketplace (standing changes are announced).
    pub async fn quality_pass(&self) {
        let operators = match self.store().operators().await {
            Ok(operators) => operators,
            Err(error) => {
                tracing::warn!(%error, "quality pass: cannot list marketplaces");
                return;
            }
        };
        for operator in operators {
            if let Err(error) = self
                .evaluate_all_quality(operator.id, Timestamp::now())
                .await
            {
                tracing::warn!(operator = %operator.id, %error, "quality pass failed");
            }
        }
    }

    /// One pass at `now`: every case whose alarm has come (up to [`SWEEP_BATCH`]), up to
    /// [`SWEEP_CONCURRENCY`] at a time, so the writer commits their steps together.
    pub async fn sla_sweep(&self, now: Timestamp) -> Result<SweepReport, Error> {
        let due = self.store().sla_due(now, SWEEP_BATCH).await?;
        let cases = due.len();
        let configs: Configs = Arc::new(tokio::sync::Mutex::new(HashMap::new()));
        let mut tasks = tokio::task::JoinSet::new();
        let mut report = SweepReport {
            cases,
            ..SweepReport::default()
        };
        let mut add = |done: Result<SweepReport, tokio::task::JoinError>| {
            if let Ok(one) = done {
                report.alerts += one.alerts;
                report.automations += one.automations;
            }
        };
        for case_id in due {
            while tasks.len() >= SWEEP_CONCURRENCY {
                if let Some(done) = tasks.join_next().await {
                    add(done);
                }
            }
            let app = self.clone();
            let configs = configs.clone();
            tasks.spawn(async move {
                let mut one = SweepReport::default();
                if let Err(error) = app.sweep_case(case_id, now, &configs, &mut one).await {
                    tracing::warn!(%case_id, %error, "SLA alarm not handled; trying again later");
                    if let Ok(Some(record)) = app.store().case(case_id).await {
                        let retry = now.saturating_add(RETRY).unwrap_or(now);
                        let _ = app
                            .store()
                            .set_sla_next(case_id, record.state.version, Some(retry))
                            .await;
                    }
                }
                one
            });
        }
        while let Some(done) = tasks.join_next().await {
            add(done);
        }
        Ok(report)
    }

    async fn sweep_case(
        &self,
        case_id: CaseId,
        now: Timestamp,
        configs: &Configs,
        report: &mut SweepReport,
    ) -> Result<(), Error> {
        let Some(record) = self.store().case(case_id).await? else {
            return Ok(());
        };
        let mut state = record.state;
        let key = (state.operator_id, state.merchant_id);
        let cached = configs.lock().await.get(&key).cloned();
        let config = match cached {
            Some(config) => config,
            None => {
                let config = Arc::new(self.store().sla_config(key.0, key.1).await?);
                configs.lock().await.insert(key, config.clone());
                config
            }
        };
        let config = config.as_ref();
        // The silences first: the status update they send is the news the buyer waited for.
        let assessment = assess(&state, config, now);
        for due in &assessment.silences {
            let rule = &config.rules[due.rule];
            state = self
                .fire_rule(state, rule, due.trigger.clone(), now)
                .await?;
            report.automations += 1;
        }
        let assessment = if assessment.silences.is_empty() {
            assessment
        } else {
            assess(&state, config, now)
        };
        for alert in &assessment.alerts {
            let command = HelpdeskCommand::RaiseSlaAlert {
                target: alert.target,
                alert: alert.alert,
                cycle: alert.cycle,
                due_at: alert.due_at,
                policy: alert.policy.clone(),
            };
            match self.system(&state, command.into(), now).await {
                Ok(outcome) => {
                    state = outcome.state;
                    report.alerts += 1;
                }
                Err(Refused) => continue,
            }
            let trigger = format!(
                "{}:{}#{}",
                alert.target.code(),
                alert.alert.code(),
                alert.cycle
            );
            for rule in &config.rules {
                if rule.when.on_alert(alert.target, alert.alert) && rule_applies(rule, &state) {
                    state = self.fire_rule(state, rule, trigger.clone(), now).await?;
                    report.automations += 1;
                }
            }
        }
        // Whatever was done, the case's next alarm as of now (a command already wrote its
        // own; a case where nothing was due any more gets its alarm moved here).
        let next = match assess(&state, config, now).next_alarm {
            // Still something due that could not be raised: look again later.
            Some(at) if at <= now => Some(now.saturating_add(RETRY).unwrap_or(now)),
            next => next,
        };
        self.store()
            .set_sla_next(case_id, state.version, next)
            .await?;
        Ok(())
    }

    /// Runs a case command as amiable at `now`; a refusal (the moment passed, or it was
    /// already done) is not an error.
    async fn system(
        &self,
        state: &CaseState,
        command: Command,
        now: Timestamp,
    ) -> Result<CommandOutcome, Refused> {
        let request = CommandRequest {
            case_id: state.case_id,
            expected_version: Some(state.version),
            command,
            actor: system(),
            order_id: None,
            at: Some(now),
        };
        match self.store().execute(request).await {
            Ok(outcome) => Ok(outcome),
            Err(CommandError::Rejected(rejection)) => {
                tracing::debug!(case_id = %state.case_id, code = rejection.code(), "SLA step no longer applies");
                Err(Refused)
            }
            Err(error) => {
                tracing::info!(case_id = %state.case_id, %error, "SLA step not applied");
                Err(Refused)
            }
        }
    }

    /// Records a rule's firing on the timeline, then carries out its actions.
    pub(crate) async fn fire_rule(
        &self,
        state: CaseState,
        rule: &RuleDocument,
        trigger: String,
        now: Timestamp,
    ) -> Result<CaseState, Error> {
        let record = HelpdeskCommand::RecordAutomation {
            rule_id: rule.id.clone(),
            rule: rule.name.clone(),
            trigger,
            actions: rule.actions.iter().map(RuleAction::code).collect(),
        };
        let Ok(outcome) = self.system(&state, record.into(), now).await else {
            return Ok(state);
        };
        let mut state = outcome.state;
        for action in &rule.actions {
            let command: Option<Command> = match action {
                // The firing's own event carries the notification.
                RuleAction::Notify { .. } => None,
                RuleAction::Assign { user_id, team_id } => self
                    .rule_assignee(&state, user_id.as_deref(), team_id.as_deref())
                    .await?
                    .map(|assignee| {
                        HelpdeskCommand::Assign {
                            assignee: Some(assignee),
                        }
                        .into()
                    }),
                RuleAction::Escalate => Some(
                    EscalationCommand::Escalate {
                        to: Some(Stage::Mediation),
                        reason: Label::parse(&format!("« {} »", rule.name))
                            .map_err(Error::field)?,
                    }
                    .into(),
                ),
                RuleAction::StatusUpdate => Some(self.status_update(&state, now).await?.into()),
                RuleAction::Close if state.status == CaseStatus::Resolved => {
                    Some(LifecycleCommand::Close.into())
                }
                RuleAction::Close => None,
            };
            if let Some(command) = command
                && let Ok(outcome) = self.system(&state, command, now).await
            {
                state = outcome.state;
            }
        }
        Ok(state)
    }

    /// Who an assignment action names: a person of the case's shop or marketplace.
    async fn rule_assignee(
        &self,
        state: &CaseState,
        user_id: Option<&str>,
        team_id: Option<&str>,
    ) -> Result<Option<Assignee>, Error> {
        // A team's turn is the helpdesk's own (it skips members who left the team).
        if let Some(team) = team_id {
            return self.next_in_team(state.operator_id, team).await;
        }
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        let user = self.store().user(user_id).await?;
        Ok(user
            .filter(|u| {
                u.operator_id == state.operator_id
                    && u.merchant_id.is_none_or(|m| m == state.merchant_id)
                    && u.disabled_at.is_none()
            })
            .map(|u| Assignee {
                user_id: Some(u.id),
                name: Some(u.name),
                team_id: None,
            }))
    }

    /// The status update of a case now, in its buyer's language.
    pub async fn status_update(
        &self,
        state: &CaseState,
        now: Timestamp,
    ) -> Result<HelpdeskCommand, Error> {
        let order = self.store().order(state.order_id).await?;
        let shop = self
            .store()
            .merchant(state.merchant_id)
            .await?
            .map(|m| m.name)
            .unwrap_or_default();
        let marketplace = self
            .store()
            .operator(state.operator_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let zone = self
            .staff_zone(state.operator_id, Some(state.merchant_id))
            .await?
            .unwrap_or_else(amiable_i18n::format::zone);
        let config = self
            .store()
            .sla_config(state.operator_id, state.merchant_id)
            .await?;
        let assessment = assess(state, &config, now);
        let lang = lang_of(order.map(|o| o.order.buyer.locale).unwrap_or_default());
        let body = compose(
            state,
            &assessment,
            &Names {
                shop: &shop,
                marketplace: &marketplace,
                zone: &zone,
            },
            lang,
        );
        Ok(HelpdeskCommand::SendStatusUpdate { body })
    }

    /// Runs the rules an event sets off (called after a command commits, off the request).
    pub async fn rules_after(&self, outcome: &CommandOutcome) -> Result<(), Error> {
        let state = &outcome.state;
        let config = self
            .store()
            .sla_config(state.operator_id, state.merchant_id)
            .await?;
        let mut current = state.clone();
        for event in &outcome.events {
            // amiable's own doing never sets a rule off (rules::check refuses such loops).
            if matches!(event.actor, Actor::System { .. }) {
                continue;
            }
            let party = event.actor.party();
            for rule in &config.rules {
                let Trigger::Event { event: on, by } = &rule.when else {
                    continue;
                };
                if *on != event.event_type
                    || by.is_some_and(|p| p != party)
                    || !rule_applies(rule, &current)
                {
                    continue;
                }
                let trigger = format!("event:{}#{}", on, event.seq);
                current = self
                    .fire_rule(current, rule, trigger, Timestamp::now())
                    .await?;
            }
        }
        Ok(())
    }

    /// Starts the rules of a command's events in the background (the caller's answer
    /// does not wait for them).
    pub fn spawn_rules_after(&self, outcome: &CommandOutcome) {
        if outcome.events.is_empty() {
            return;
        }
        let app = self.clone();
        let outcome = outcome.clone();
        tokio::spawn(async move {
            if let Err(error) = app.rules_after(&outcome).await {
                tracing::warn!(case_id = %outcome.case_id, %error, "automation rules after a command failed");
            }
        });
    }
}

/// A step that did not apply.
struct Refused;
