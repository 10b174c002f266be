//! Service levels in the console: the badges of the inbox (« 1ʳᵉ réponse dans
//! 3 h », « client sans nouvelles depuis 6 j »), the « Délais » panel of the
//! case page and the pauses of its clocks on the timeline, the settings pages
//! (business hours and policies, automation rules, quality thresholds) and the
//! shops' quality.
//!
//! | module | pages |
//! |---|---|
//! | `settings` | `/console/settings/sla`: business hours and SLA policies (the marketplace's, or a shop's) |
//! | `rules` | `/console/settings/automation`: the marketplace's automation rules |
//! | `quality` | `/console/settings/quality` (thresholds), `/console/quality` (a shop's own), the quality section of `/console/merchants/{id}` |
//!
//! Every form works without JavaScript (a blank row for a new entry), goes
//! through the same use case as the API's `PUT`, and shows its refusals beside
//! the fields, in the reader's language.

pub mod quality;
pub mod rules;
pub mod settings;

use super::form::{Errors, Form};
use super::timeline::Entry;
use super::ui::Ui;
use crate::AppState;
use amiable_app::sla::CaseSla;
use amiable_domain::access::Principal;
use amiable_domain::case::CaseStatus;
use amiable_domain::ids::CaseId;
use amiable_domain::sla::clocks::PauseReason;
use amiable_domain::sla::policy::{ClockKind, Span, Target};
use amiable_domain::sla::{TargetReport, TargetStatus};
use amiable_store::CaseSummary;
use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;
use std::collections::HashMap;

pub fn routes() -> Router<crate::AppState> {
    Router::new()
        .route(
            "/console/settings/sla",
            get(settings::page).post(settings::save),
        )
        .route(
            "/console/settings/automation",
            get(rules::page).post(rules::save),
        )
        .route(
            "/console/settings/quality",
            get(quality::settings_page).post(quality::save_settings),
        )
        .route("/console/quality", get(quality::own_page))
        .route("/console/quality/evaluate", post(quality::evaluate))
}

/// A form control: its name (also its id), what it holds, and its refusal.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub id: String,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub fn of(form: &Form, errors: &Errors, id: String) -> Field {
        Field {
            value: form.text(&id).to_owned(),
            error: errors.of(&id).map(str::to_owned),
            id,
        }
    }

    /// A checkbox's state (any value but "").
    pub fn checked(&self) -> bool {
        !self.value.is_empty()
    }
}

/// One box of a set of checkboxes sharing a name.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// The boxes of `name` for `options` (value, label), ticked as the form says.
pub fn choices(form: &Form, name: &str, options: &[(String, String)]) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            checked: form.all(name).any(|v| v == value),
            value: value.clone(),
            label: label.clone(),
        })
        .collect()
}

/// How many numbered rows a form holds (`closure_3_from` → at least 4), plus a blank one.
/// A row counts when something was typed or ticked in it: what every row sends (a clock,
/// a trigger, a target, a new rule's « Active » box) does not make a blank row a row.
pub fn rows(form: &Form, prefix: &str) -> usize {
    form.prefixed(prefix)
        .filter(|(rest, value)| {
            !value.is_empty()
                && !["_clock", "_on", "_target", "_enabled"]
                    .iter()
                    .any(|s| rest.ends_with(s))
        })
        .filter_map(|(rest, _)| rest.split('_').next()?.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
        + 1
}

/// A path of the API's errors split into its steps: `policies[2].targets.resolution.within`
/// → `[("policies", Some(2)), ("targets", None), ("resolution", None), ("within", None)]`.
pub fn path_steps(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|step| match step.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
            None => (step, None),
        })
        .collect()
}

// ---------------------------------------------------------------- the inbox's badges

/// A target of a case, in words, for the inbox: text first, the colour only repeats it.
#[derive(Debug, Clone)]
pub struct Badge {
    pub text: String,
    /// `late`, `soon`, `running` or `paused`.
    pub tone: &'static str,
    /// The due date and the policy, on hover and for screen readers.
    pub title: String,
}

/// The badges of the open cases of an inbox page, read in one query.
pub async fn inbox_badges(
    state: &AppState,
    ui: &Ui,
    principal: &Principal,
    cases: &[CaseSummary],
) -> Result<HashMap<CaseId, Vec<Badge>>, super::WebError> {
    let open: Vec<CaseId> = cases
        .iter()
        .filter(|c| c.status == CaseStatus::Open)
        .map(|c| c.case_id)
        .collect();
    if open.is_empty() {
        return Ok(HashMap::new());
    }
    let operator = principal.merchant_id().is_none();
    Ok(state
        .store()
        .sla_targets(&open)
        .await?
        .into_iter()
        .map(|(case_id, reports)| (case_id, badges(ui, &reports, operator)))
        .collect())
}

/// A span of time in words: « 3 h », « 2 j 4 h », « 12 min ».
fn span(ui: &Ui, seconds: i64) -> String {
    let seconds = seconds.unsigned_abs() as i64;
    let days = seconds / 86_400;
    let hours = (seconds % 86_400) / 3_600;
    let minutes = if days > 0 { 0 } else { (seconds % 3_600) / 60 };
    super::format::duration(ui.lang, days, hours, minutes)
}

/// How long the buyer has gone without news: whole days (« 6 j », "6 days"), else hours.
fn silence(ui: &Ui, seconds: i64) -> String {
    let days = seconds / 86_400;
    if days >= 1 {
        ui.tn("sla-silent-days", days)
    } else {
        ui.tn("sla-silent-hours", (seconds / 3_600).max(1))
    }
}

/// The badges of one case's targets as last assessed, read at `ui.now`: the response
/// targets while they run, the resolution when it is near or past, the silence towards
/// the buyer once it passed half its target, and one badge per reason the clocks wait.
/// The marketplace's own target is shown to the marketplace only.
pub fn badges(ui: &Ui, reports: &[TargetReport], operator: bool) -> Vec<Badge> {
    let now = ui.now;
    let mut out = Vec::new();
    let mut paused: Vec<(PauseReason, Vec<String>)> = Vec::new();
    for report in reports.iter().filter(|r| r.running_cycle > 0) {
        let target = ui.label("sla-short", report.target.code());
        if let Some(reason) = report.paused {
            if report.target == Target::MarketplaceResponse && !operator {
                continue;
            }
            match paused.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, targets)) => targets.push(target),
                None => paused.push((reason, vec![target])),
            }
            continue;
        }
        let Some(due) = report.due_at else {
            continue;
        };
        let late = due <= now;
        let tone = if late {
            "late"
        } else if report.warn_at.is_some_and(|w| w <= now) {
            "soon"
        } else {
            "running"
        };
        let title = ui.ta2(
            "sla-badge-title",
            "date",
            ui.datetime(&due),
            "policy",
            &report.policy,
        );
        let text = match report.target {
            Target::BuyerUpdate => {
                let silent = now.as_second() - report.since.as_second();
                if !late && silent * 2 < report.within_seconds {
                    continue;
                }
                ui.ta("sla-badge-silent", "when", silence(ui, silent))
            }
            Target::MarketplaceResponse if !operator => continue,
            Target::Resolution if tone == "running" => continue,
            _ if late => ui.ta2(
                "sla-badge-late",
                "target",
                &target,
                "when",
                span(ui, now.as_second() - due.as_second()),
            ),
            _ => ui.ta2(
                "sla-badge-due",
                "target",
                &target,
                "when",
                span(ui, due.as_second() - now.as_second()),
            ),
        };
        out.push(Badge { text, tone, title });
    }
    // Late first, then due soon, then the rest; pauses last.
    out.sort_by_key(|b| match b.tone {
        "late" => 0,
        "soon" => 1,
        _ => 2,
    });
    for (reason, targets) in paused {
        out.push(Badge {
            text: ui.ta(
                "sla-badge-paused",
                "waiting",
                ui.label("sla-paused", pause_code(reason)),
            ),
            tone: "paused",
            title: ui.ta("sla-badge-paused-title", "targets", targets.join(", ")),
        });
    }
    out
}

fn pause_code(reason: PauseReason) -> &'static str {
    match reason {
        PauseReason::Buyer => "buyer",
        PauseReason::Carrier => "carrier",
        PauseReason::Marketplace => "marketplace",
    }
}

// ---------------------------------------------------------------- the case page

/// One target of a case, as the « Délais » panel shows it.
#[derive(Debug, Clone)]
pub struct TargetRow {
    pub target: String,
    pub status: String,
    /// `late`, `soon`, `running`, `paused`, `hit` or `missed`.
    pub tone: &'static str,
    /// The running cycle's due date.
    pub due: Option<Timestamp>,
    pub warn: Option<Timestamp>,
    /// « 8 h ouvrées », « 7 j (calendaire) ».
    pub within: String,
    pub policy: String,
    /// What the running cycle waits for.
    pub paused: Option<String>,
    /// When the running (or last) cycle started.
    pub since: Timestamp,
    /// How long the last finished cycle took, on its clock.
    pub took: Option<String>,
    /// Each late cycle: started, due, met (or still running).
    pub misses: Vec<String>,
}

/// The « Délais » panel: each target of the case now.
#[derive(Debug, Clone, Default)]
pub struct SlaPanel {
    pub rows: Vec<TargetRow>,
}

/// A case's service levels now, for whoever may read its staff side (`None` otherwise).
pub async fn case_sla(state: &AppState, principal: &Principal, case_id: CaseId) -> Option<CaseSla> {
    match state.app().case_sla(principal, case_id).await {
        Ok(sla) => Some(sla),
        Err(error) => {
            tracing::debug!(%case_id, %error, "no service levels on the case page");
            None
        }
    }
}

/// The panel of a case's targets.
pub fn panel(ui: &Ui, sla: &CaseSla) -> SlaPanel {
    let now = ui.now;
    let rows = sla
        .targets
        .iter()
        .map(|r| {
            let late = r.due_at.is_some_and(|d| d <= now);
            let tone = match (r.status, r.paused) {
                (TargetStatus::Hit, _) => "hit",
                (TargetStatus::Missed, _) => "missed",
                (_, Some(_)) => "paused",
                _ if late => "late",
                _ if r.warn_at.is_some_and(|w| w <= now) => "soon",
                (TargetStatus::ActiveWithMisses, _) => "late",
                _ => "running",
            };
            let within = Span(jiff::SignedDuration::from_secs(r.within_seconds));
            let within = match r.clock {
                ClockKind::Business => ui.ta(
                    "sla-within-business",
                    "span",
                    within_text(ui, within, r.clock),
                ),
                ClockKind::Calendar => ui.ta(
                    "sla-within-calendar",
                    "span",
                    within_text(ui, within, r.clock),
                ),
            };
            let misses = r
                .misses
                .iter()
                .map(|m| {
                    let (started, due) = (ui.datetime(&m.started_at), ui.datetime(&m.due_at));
                    match m.met_at {
                        Some(met) => super::i18n::message_with(
                            ui.lang,
                            "sla-miss-met",
                            &[
                                ("started", &started),
                                ("due", &due),
                                ("met", &ui.datetime(&met)),
                            ],
                        ),
                        None => ui.ta2("sla-miss-running", "started", started, "due", due),
                    }
                })
                .collect();
            TargetRow {
                target: capitalised(&ui.label("sla-target", r.target.code())),
                status: ui.label("sla-status", r.status.code()),
                tone,
                due: r.due_at,
                warn: r.warn_at.filter(|w| *w > now),
                within,
                policy: r.policy.clone(),
                paused: r.paused.map(|p| {
                    ui.ta(
                        "sla-paused-waiting",
                        "waiting",
                        ui.label("sla-paused", pause_code(p)),
                    )
                }),
                since: r.since,
                took: r
                    .last_took_seconds
                    .map(|s| within_text(ui, Span(jiff::SignedDuration::from_secs(s)), r.clock)),
                misses,
            }
        })
        .collect();
    SlaPanel { rows }
}

/// A target's length in words: « 8 h », « 1 h 30 min »; days only on the calendar clock
/// (« 7 j »), business time counting in hours.
fn within_text(ui: &Ui, span: Span, clock: ClockKind) -> String {
    let seconds = span.0.as_secs();
    let (days, rest) = match clock {
        ClockKind::Calendar => (seconds / 86_400, seconds % 86_400),
        ClockKind::Business => (0, seconds),
    };
    super::format::duration(ui.lang, days, rest / 3_600, (rest % 3_600) / 60)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The timeline with the pauses of the case's clocks, each where it happened: « Horloge
/// « résolution » en pause (en attente du client) », then « … relancée ». Staff only.
pub fn with_pauses(mut timeline: Vec<Entry>, ui: &Ui, sla: Option<&CaseSla>) -> Vec<Entry> {
    let Some(sla) = sla else {
        return timeline;
    };
    let who = ui.t("who-system");
    let mut steps: Vec<(Timestamp, String)> = Vec::new();
    for pause in &sla.pauses {
        let clock = ui.label("sla-clock", pause.clock);
        steps.push((
            pause.from,
            ui.ta2(
                "timeline-clock-paused",
                "clock",
                &clock,
                "waiting",
                ui.label("sla-paused", pause_code(pause.waiting_on)),
            ),
        ));
        // A clock that pauses again at once (for another reason) is not said to run again.
        let paused_again = |until: Timestamp| {
            sla.pauses
                .iter()
                .any(|p| p.clock == pause.clock && p.from == until)
        };
        if let Some(until) = pause.until.filter(|u| !paused_again(*u)) {
            steps.push((until, ui.ta("timeline-clock-resumed", "clock", &clock)));
        }
    }
    steps.sort_by_key(|(at, _)| *at);
    for (index, (at, title)) in steps.into_iter().enumerate() {
        // After the events of the same instant: the pause follows what caused it.
        let position = timeline.partition_point(|e| e.at <= at);
        timeline.insert(
            position,
            Entry {
                // Never an event's number (those start at 1): the entry's anchor stays unique.
                seq: -(index as i64) - 1,
                at,
                party: "system",
                who: who.clone(),
                title,
                details: Vec::new(),
                body: None,
                file: None,
                internal: true,
                private: None,
                is_message: false,
            },
        );
    }
    timeline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use amiable_domain::sla::clocks::PauseReason;
    use jiff::SignedDuration;

    fn report(target: Target, due_in_hours: Option<i64>, now: Timestamp) -> TargetReport {
        let hours = |h: i64| now.checked_add(SignedDuration::from_hours(h)).unwrap();
        TargetReport {
            target,
            status: TargetStatus::Active,
            policy: "amiable".into(),
            within_seconds: 8 * 3600,
            clock: ClockKind::Business,
            due_at: due_in_hours.map(hours),
            warn_at: due_in_hours.map(|h| hours(h - 2)),
            paused: None,
            since: hours(-1),
            cycles: 1,
            running_cycle: 1,
            last_took_seconds: None,
            misses: Vec::new(),
        }
    }

    fn texts(badges: &[Badge]) -> Vec<(String, &'static str)> {
        badges
            .iter()
            .map(|b| (b.text.replace('\u{a0}', " "), b.tone))
            .collect()
    }

    #[test]
    fn badges_say_what_is_due_late_silent_and_paused() {
        let mut ui = Ui::bare(Lang::Fr, "/console");
        let now = ui.now;
        let mut silent = report(Target::BuyerUpdate, Some(20), now);
        silent.within_seconds = 7 * 86_400;
        silent.since = now
            .checked_sub(SignedDuration::from_hours(6 * 24 + 3))
            .unwrap();
        let mut paused = report(Target::Resolution, None, now);
        paused.paused = Some(PauseReason::Buyer);
        let reports = vec![
            report(Target::FirstResponse, Some(3), now),
            report(Target::NextResponse, Some(-2), now),
            silent,
            paused,
            // Resolution far away: no badge; the marketplace's own only to the marketplace.
            report(Target::Resolution, Some(200), now),
            report(Target::MarketplaceResponse, Some(1), now),
        ];
        assert_eq!(
            texts(&badges(&ui, &reports, false)),
            [
                ("Réponse suivante en retard de 2 h".to_owned(), "late"),
                ("1ʳᵉ réponse dans 3 h".to_owned(), "running"),
                ("Client sans nouvelles depuis 6 j".to_owned(), "running"),
                ("En pause (attente du client)".to_owned(), "paused"),
            ]
        );
        assert!(
            texts(&badges(&ui, &reports, true))
                .iter()
                .any(|(t, tone)| t == "Prise en charge dans 1 h" && *tone == "soon")
        );
        ui.lang = Lang::En;
        assert_eq!(
            texts(&badges(&ui, &reports, false))[..3],
            [
                ("Next response 2 h late".to_owned(), "late"),
                ("1st response due in 3 h".to_owned(), "running"),
                ("Customer without news for 6 days".to_owned(), "running"),
            ]
        );
    }

    #[test]
    fn blank_rows_and_error_paths() {
        let form = Form::from_pairs(vec![
            ("policy_0_name".into(), "Urgent".into()),
            ("policy_0_resolution_clock".into(), "business".into()),
            ("policy_1_resolution_clock".into(), "business".into()),
            ("rule_1_enabled".into(), "1".into()),
        ]);
        assert_eq!(rows(&form, "policy_"), 2, "one row and a blank one");
        assert_eq!(
            rows(&form, "rule_"),
            1,
            "a ticked « Active » box alone is no row"
        );
        assert_eq!(
            path_steps("policies[2].targets.resolution.within"),
            [
                ("policies", Some(2)),
                ("targets", None),
                ("resolution", None),
                ("within", None)
            ]
        );
    }
}
