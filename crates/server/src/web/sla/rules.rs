//! « Règles automatiques », `/console/settings/automation`: the marketplace's
//! automation rules, one form row each (and a blank one for a new rule): an id
//! and a name, whether it is on, what sets it off (an event, a target's warning
//! or breach, a silence towards the buyer), conditions, the party the case must
//! wait on, and the actions. Saving goes through
//! [`amiable_app::App::set_automation_rules`], which refuses rules that would
//! set themselves off (`automation.rule_loops`, shown beside the rule's actions).

use super::settings::{ConditionsView, conditions_of, conditions_pairs, conditions_view};
use super::{Choice, Field, choices, path_steps, rows};
use crate::AppState;
use crate::problem::Problem;
use crate::web::console::staff;
use crate::web::form::{Errors, Form, FormBody};
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError, redirect};
use amiable_domain::access::{Action, Principal, Resource, authorize};
use amiable_domain::case::{Family, Party};
use amiable_domain::sla::policy::Target;
use amiable_domain::sla::rules::{
    Action as RuleAction, NotifyWho, RuleDocument, Trigger, listenable,
};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// The actions a rule may take, as the form's boxes name them.
const ACTIONS: [&str; 6] = [
    "notify_merchant",
    "notify_operator",
    "assign",
    "escalate",
    "status_update",
    "close",
];

pub struct RuleView {
    pub legend: String,
    /// `rule_3`: the start of the row's field names.
    pub prefix: String,
    pub is_new: bool,
    pub id: Field,
    pub name: Field,
    pub enabled: bool,
    pub delete: Field,
    pub on: Field,
    pub event: Field,
    pub by: Field,
    pub target: Field,
    pub silence: Field,
    pub conditions: ConditionsView,
    pub waiting_on: Field,
    pub actions: Vec<Choice>,
    pub actions_id: String,
    pub actions_error: Option<String>,
    pub assign_user: Field,
    pub assign_team: Field,
}

#[derive(Template)]
#[template(path = "console/sla_rules.html")]
struct RulesPage {
    ui: Ui,
    errors: Errors,
    rules: Vec<RuleView>,
    may_edit: bool,
    /// Event types a rule may listen to.
    events: Vec<&'static str>,
    /// (code, label) of each target.
    targets: Vec<(String, String)>,
    /// (id, name) of the staff and of the teams.
    users: Vec<(String, String)>,
    teams: Vec<(String, String)>,
}

/// `GET /console/settings/automation`.
pub(super) async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let rules = state.app().automation_rules(&principal).await?;
    render(
        &state,
        &ctx,
        &principal,
        rules_form(&rules, ctx.lang),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /console/settings/automation`: every rule at once.
pub(super) async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let (rules, slots, mut errors) = rules_of(&form, ctx.lang);
    if !errors.any() {
        match state.app().set_automation_rules(&principal, rules).await {
            Ok(_) => return Ok(redirect("/console/settings/automation?fait=rules-saved")),
            Err(error) if error.kind == amiable_app::Kind::Invalid => {
                errors = Errors::from_problem(&Problem::from(error), ctx.lang, |path| {
                    field_of(path, &slots)
                });
            }
            Err(error) => return Err(error.into()),
        }
    }
    render(
        &state,
        &ctx,
        &principal,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    form: Form,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ui = ctx.ui();
    let reasons = crate::web::console::reason_options(state, &ui, principal).await?;
    let merchants = state.store().merchants(principal.operator_id()).await?;
    let shop = |id: Option<amiable_domain::ids::MerchantId>| match id {
        Some(id) => merchants
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        None => ui.t("rules-marketplace-staff"),
    };
    let users = state
        .store()
        .users(principal.operator_id(), None)
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| {
            (
                u.id.clone(),
                format!("{} ({})", u.name, shop(u.merchant_id)),
            )
        })
        .collect();
    let teams = state
        .store()
        .all_teams(principal.operator_id())
        .await?
        .into_iter()
        .map(|t| {
            (
                t.id.clone(),
                format!("{} ({})", t.name, shop(t.merchant_id)),
            )
        })
        .collect();
    let count = rows(&form, "rule_");
    let rules = (0..count)
        .map(|i| rule_view(&ui, &form, &errors, i, i + 1 == count, &reasons))
        .collect();
    let page = RulesPage {
        may_edit: authorize(
            principal,
            Action::ManageSettings,
            &Resource::operator(principal.operator_id()),
        )
        .is_ok(),
        events: Family::ALL
            .iter()
            .flat_map(|f| f.event_types().iter().copied())
            .filter(|e| listenable(e))
            .collect(),
        targets: Target::ALL
            .iter()
            .map(|t| (t.code().to_owned(), ui.label("sla-target-title", t.code())))
            .collect(),
        users,
        teams,
        rules,
        errors,
        ui,
    };
    Ok(ctx.render_status(status, &page))
}

fn rule_view(
    ui: &Ui,
    form: &Form,
    errors: &Errors,
    i: usize,
    is_new: bool,
    reasons: &[(String, String)],
) -> RuleView {
    let prefix = format!("rule_{i}");
    let field = |name: &str| Field::of(form, errors, format!("{prefix}_{name}"));
    let actions: Vec<(String, String)> = ACTIONS
        .iter()
        .map(|a| ((*a).to_owned(), ui.label("rules-action", a)))
        .collect();
    let actions_id = format!("{prefix}_actions");
    RuleView {
        legend: if is_new {
            ui.t("rules-new")
        } else {
            ui.ta("rules-number", "number", i + 1)
        },
        // A new rule is on unless the person unticked it.
        enabled: form.checked(&format!("{prefix}_enabled"))
            || (is_new && form.text(&format!("{prefix}_id")).is_empty()),
        is_new,
        id: field("id"),
        name: field("name"),
        delete: field("delete"),
        on: field("on"),
        event: field("event"),
        by: field("by"),
        target: field("target"),
        silence: field("for"),
        conditions: conditions_view(ui, form, errors, &prefix, reasons),
        waiting_on: field("waiting_on"),
        actions: choices(form, &format!("{prefix}_action"), &actions),
        actions_error: errors.of(&actions_id).map(str::to_owned),
        actions_id,
        assign_user: field("assign_user"),
        assign_team: field("assign_team"),
        prefix,
    }
}

/// The form fields of the stored rules.
fn rules_form(rules: &[RuleDocument], lang: crate::i18n::Lang) -> Form {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let p = format!("rule_{i}");
        let mut push =
            |name: &str, value: &str| pairs.push((format!("{p}_{name}"), value.to_owned()));
        push("id", &rule.id);
        push("name", &rule.name);
        if rule.enabled {
            push("enabled", "1");
        }
        match &rule.when {
            Trigger::Event { event, by } => {
                push("on", "event");
                push("event", event);
                push("by", by.map(|b| b.code()).unwrap_or(""));
            }
            Trigger::SlaWarning { target } => {
                push("on", "sla_warning");
                push("target", target.code());
            }
            Trigger::SlaBreach { target } => {
                push("on", "sla_breach");
                push("target", target.code());
            }
            Trigger::Silence { silent_for } => {
                push("on", "silence");
                push("for", silent_for);
            }
        }
        push(
            "waiting_on",
            rule.waiting_on.map(|w| w.code()).unwrap_or(""),
        );
        for action in &rule.actions {
            match action {
                RuleAction::Notify {
                    who: NotifyWho::Merchant,
                } => push("action", "notify_merchant"),
                RuleAction::Notify {
                    who: NotifyWho::Operator,
                } => push("action", "notify_operator"),
                RuleAction::Assign { user_id, team_id } => {
                    push("action", "assign");
                    push("assign_user", user_id.as_deref().unwrap_or(""));
                    push("assign_team", team_id.as_deref().unwrap_or(""));
                }
                RuleAction::Escalate => push("action", "escalate"),
                RuleAction::StatusUpdate => push("action", "status_update"),
                RuleAction::Close => push("action", "close"),
            }
        }
        conditions_pairs(&p, &rule.conditions, lang, &mut pairs);
    }
    Form::from_pairs(pairs)
}

/// The rules the form describes, the row each came from, and what could not be read.
fn rules_of(form: &Form, lang: crate::i18n::Lang) -> (Vec<RuleDocument>, Vec<usize>, Errors) {
    let mut errors = Errors::default();
    let mut rules = Vec::new();
    let mut slots = Vec::new();
    for i in 0..rows(form, "rule_") {
        let p = format!("rule_{i}");
        if form.checked(&format!("{p}_delete")) {
            continue;
        }
        let text = |name: &str| form.text(&format!("{p}_{name}")).to_owned();
        let action_name = format!("{p}_action");
        let ticked: Vec<&str> = form.all(&action_name).collect();
        let (id, name) = (text("id"), text("name"));
        // A blank row is no rule.
        if id.is_empty() && name.is_empty() && ticked.is_empty() {
            continue;
        }
        let target = Target::parse(&text("target")).unwrap_or(Target::FirstResponse);
        let when = match text("on").as_str() {
            "sla_warning" => Trigger::SlaWarning { target },
            "sla_breach" => Trigger::SlaBreach { target },
            "silence" => Trigger::Silence {
                silent_for: text("for").replace(' ', ""),
            },
            _ => Trigger::Event {
                event: text("event"),
                by: Party::parse(&text("by")),
            },
        };
        let mut actions = Vec::new();
        for action in ACTIONS.iter().filter(|a| ticked.contains(a)) {
            actions.push(match *action {
                "notify_merchant" => RuleAction::Notify {
                    who: NotifyWho::Merchant,
                },
                "notify_operator" => RuleAction::Notify {
                    who: NotifyWho::Operator,
                },
                "assign" => RuleAction::Assign {
                    user_id: Some(text("assign_user")).filter(|u| !u.is_empty()),
                    team_id: Some(text("assign_team")).filter(|t| !t.is_empty()),
                },
                "escalate" => RuleAction::Escalate,
                "status_update" => RuleAction::StatusUpdate,
                _ => RuleAction::Close,
            });
        }
        rules.push(RuleDocument {
            id,
            name,
            enabled: form.checked(&format!("{p}_enabled")),
            when,
            conditions: conditions_of(form, &p, lang, &mut errors),
            waiting_on: Party::parse(&text("waiting_on")),
            actions,
        });
        slots.push(i);
    }
    (rules, slots, errors)
}

/// The form's field of an error path (`rules[1].when.for`); `None` for the top of the form.
fn field_of(path: &str, slots: &[usize]) -> Option<String> {
    let steps = path_steps(path);
    let [("rules", Some(k)), rest @ ..] = steps.as_slice() else {
        return None;
    };
    let p = format!("rule_{}", slots.get(*k)?);
    Some(match rest {
        [("id", None)] => format!("{p}_id"),
        [("name", None)] => format!("{p}_name"),
        [("when", None), ("event", None)] => format!("{p}_event"),
        [("when", None), ("by", None)] => format!("{p}_by"),
        [("when", None), ("for", None)] => format!("{p}_for"),
        [("waiting_on", None)] => format!("{p}_waiting_on"),
        [("actions", _)] => format!("{p}_actions"),
        [("conditions", None), ("max_amount_minor", None)] => format!("{p}_max"),
        [("conditions", None), ..] => format!("{p}_min"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_the_rules_it_shows() {
        let mut rules = amiable_domain::sla::default_rules();
        rules.push(RuleDocument {
            id: "late-first-answer".into(),
            name: "1ʳᵉ réponse en retard".into(),
            enabled: false,
            when: Trigger::SlaBreach {
                target: Target::FirstResponse,
            },
            conditions: amiable_domain::sla::policy::Conditions {
                kinds: vec![amiable_domain::case::CaseKind::Incident],
                ..Default::default()
            },
            waiting_on: Some(Party::Merchant),
            actions: vec![
                RuleAction::Notify {
                    who: NotifyWho::Operator,
                },
                RuleAction::Assign {
                    user_id: None,
                    team_id: Some("team-1".into()),
                },
            ],
        });
        let (read, slots, errors) = rules_of(
            &rules_form(&rules, crate::i18n::Lang::Fr),
            crate::i18n::Lang::Fr,
        );
        assert!(!errors.any());
        assert_eq!(read, rules);
        assert_eq!(slots, vec![0, 1]);
        assert_eq!(
            field_of("rules[1].actions", &slots).unwrap(),
            "rule_1_actions"
        );
        assert_eq!(field_of("rules[0].when.for", &slots).unwrap(), "rule_0_for");
        assert_eq!(field_of("rules", &slots), None);
    }
}
