//! The case page's panels for incidents and the escalation ladder: who is
//! responsible and why, the new delivery deadline, the carrier claim and its
//! reserves, replacement parcels; the mediator's requests for information,
//! the decision's appeal window and its appeal, the consumer mediator; and the
//! goodwill gestures waiting for approval.
//!
//! Built from the case as the viewer may see it (`shared::load_case`): a
//! merchant never reads the buyer's private channel, not even its count.

use crate::AppState;
use crate::web::WebError;
use crate::web::shared::CaseData;
use crate::web::timeline::resolution_text;
use crate::web::ui::Ui;
use amiable_domain::case::{ApprovalStatus, CaseKind, LadderRules, Party, Responsibility};
use amiable_domain::law::LawPack;
use amiable_domain::reason::BuiltinReason;
use jiff::Timestamp;
use jiff::civil::Date;

/// A fact of a panel, and how urgent it is (`overdue`, `soon`, or "").
pub struct Fact {
    pub label: String,
    pub value: String,
    pub urgency: &'static str,
}

impl Fact {
    fn plain(label: String, value: String) -> Self {
        Fact {
            label,
            value,
            urgency: "",
        }
    }
}

/// A request of the mediator for information.
pub struct RequestView {
    pub to: String,
    pub text: String,
    pub due: Timestamp,
    pub answered: Option<String>,
}

/// A goodwill gesture that needed approval.
pub struct ApprovalView {
    pub id: u32,
    pub text: String,
    pub status: String,
    pub pending: bool,
    pub over_budget: bool,
}

/// What the case page shows of an incident and of the ladder.
#[derive(Default)]
pub struct Panels {
    pub incident: Vec<Fact>,
    /// The grounds of the responsibility, as the parties read them.
    pub grounds: Option<String>,
    pub reshipments: Vec<String>,
    pub mediation: Vec<Fact>,
    pub requests: Vec<RequestView>,
    pub approvals: Vec<ApprovalView>,
    /// Until when the standing decision may be appealed (while it may).
    pub appeal_until: Option<String>,
    /// The decision an appeal contests, in words.
    pub contested: Option<String>,
    /// The consumer mediator the marketplace names.
    pub consumer_mediator: Option<String>,
    /// The last day of reserves to the carrier (C. com. L133-3), for the claim form.
    pub reserves_due: Option<String>,
}

/// How close a day is: past, today or tomorrow, or later.
fn day_urgency(ui: &Ui, law: &LawPack, day: Date) -> &'static str {
    let today = law.date_of(ui.now);
    if today > day {
        "overdue"
    } else if day.since(today).map(|s| s.get_days()).unwrap_or(0) <= 1 {
        "soon"
    } else {
        ""
    }
}

/// Whether the incident is about transport (the carrier may owe the merchant).
fn about_transport(data: &CaseData) -> bool {
    matches!(
        data.state.reason.root(),
        BuiltinReason::NotReceived
            | BuiltinReason::LateDelivery
            | BuiltinReason::DamagedInTransit
            | BuiltinReason::MissingItems
    ) || data
        .state
        .incident
        .as_ref()
        .is_some_and(|i| i.responsible == Some(Responsibility::Carrier))
}

pub async fn panels(
    state: &AppState,
    ui: &Ui,
    data: &CaseData,
    viewer: Party,
) -> Result<Panels, WebError> {
    let case = &data.state;
    let law = state.store().rules_pack(case.operator_id).await?;
    let ladder = state
        .app()
        .ladder(case.operator_id)
        .await
        .map_err(crate::problem::Problem::from)?;
    let mut panels = Panels {
        consumer_mediator: ladder
            .consumer_mediator
            .as_ref()
            .map(|m| m.name.as_str().to_owned()),
        ..Panels::default()
    };
    if case.kind == CaseKind::Incident {
        incident(ui, law, data, &mut panels);
    }
    mediation(state, ui, &ladder, data, viewer, &mut panels).await?;
    panels.approvals = case
        .compensation_approvals
        .iter()
        .map(|a| ApprovalView {
            id: a.approval_id,
            text: ui.ta2(
                "timeline-approval-requested",
                "what",
                ui.label("goodwill", a.kind.code()),
                "amount",
                ui.money(&a.amount),
            ),
            status: ui.t(match a.status {
                ApprovalStatus::Pending => "approval-pending",
                ApprovalStatus::Approved => "approval-approved",
                ApprovalStatus::Declined => "approval-declined",
            }),
            pending: a.status == ApprovalStatus::Pending,
            over_budget: a.over_budget,
        })
        .collect();
    Ok(panels)
}

fn incident(ui: &Ui, law: &LawPack, data: &CaseData, panels: &mut Panels) {
    let progress = data.state.incident.clone().unwrap_or_default();
    if let Some(responsible) = progress.responsible {
        panels.incident.push(Fact::plain(
            ui.t("incident-responsible"),
            ui.label("responsibility", responsible.code()),
        ));
        // The grounds are the last determination's.
        panels.grounds =
            crate::web::shared::responsibility_grounds(&data.events).map(|(grounds, _)| grounds);
    }
    if let Some(day) = progress.deliver_by {
        panels.incident.push(Fact {
            label: ui.t("incident-deliver-by"),
            value: ui.ta("incident-deliver-by-value", "date", ui.date(&day)),
            urgency: day_urgency(ui, law, day),
        });
    }
    if let Some(day) = progress.refund_due_by {
        panels.incident.push(Fact {
            label: ui.t("incident-refund-due"),
            value: ui.ta("incident-refund-due-value", "date", ui.date(&day)),
            urgency: if data.state.awaiting_payment.is_some() {
                day_urgency(ui, law, day)
            } else {
                ""
            },
        });
    }
    match &progress.claim {
        Some(claim) => {
            panels.incident.push(Fact::plain(
                ui.t("incident-claim"),
                ui.ta2(
                    "incident-claim-value",
                    "carrier",
                    format!("{}, {}", claim.carrier.as_str(), claim.reference.as_str()),
                    "amount",
                    ui.money(&claim.amount),
                ),
            ));
            match (claim.reserves_sent_on, claim.reserves_due) {
                (Some(sent), due) => {
                    let late = due.is_some_and(|due| sent > due);
                    panels.incident.push(Fact {
                        label: ui.t("incident-reserves"),
                        value: ui.ta("incident-reserves-sent", "date", ui.date(&sent)),
                        urgency: if late { "overdue" } else { "" },
                    });
                }
                (None, Some(due)) => panels.incident.push(Fact {
                    label: ui.t("incident-reserves"),
                    value: ui.ta("incident-reserves-due", "date", ui.date(&due)),
                    urgency: day_urgency(ui, law, due),
                }),
                (None, None) => {}
            }
            panels.incident.push(Fact::plain(
                ui.t("incident-claim-answer"),
                match (claim.outcome, &claim.recovered) {
                    (Some(outcome), Some(recovered)) => ui.ta2(
                        "incident-claim-settled",
                        "outcome",
                        ui.label("claim", outcome.code()),
                        "amount",
                        ui.money(recovered),
                    ),
                    _ => ui.t("incident-claim-pending"),
                },
            ));
        }
        // Before any claim: the reserves' deadline, if the goods were received.
        None if about_transport(data) => {
            if let Some(due) =
                amiable_domain::case::incident::reserves_due(&data.state, &data.order, law)
            {
                panels.reserves_due = Some(ui.date(&due));
                panels.incident.push(Fact {
                    label: ui.t("incident-reserves"),
                    value: ui.ta("incident-reserves-due", "date", ui.date(&due)),
                    urgency: day_urgency(ui, law, due),
                });
            }
        }
        None => {}
    }
    panels.reshipments = progress
        .reshipments
        .iter()
        .map(|r| crate::web::shared::reshipment_text(ui, r))
        .collect();
}

async fn mediation(
    state: &AppState,
    ui: &Ui,
    ladder: &LadderRules,
    data: &CaseData,
    viewer: Party,
    panels: &mut Panels,
) -> Result<(), WebError> {
    let Some(progress) = &data.state.mediation else {
        return Ok(());
    };
    if let Some(at) = progress.decided_at {
        let by = match &progress.decided_by {
            Some(id) => state.store().user(id).await?.map(|u| u.name),
            None => None,
        };
        panels.mediation.push(Fact::plain(
            ui.t("mediation-decided"),
            match by {
                Some(name) => ui.ta2(
                    "mediation-decided-by",
                    "date",
                    ui.datetime(&at),
                    "name",
                    name,
                ),
                None => ui.datetime(&at),
            },
        ));
        if progress.appeal.is_none() {
            let until = ladder.appeal_until(at);
            if until > ui.now {
                panels.appeal_until = Some(ui.datetime(&until));
            }
            panels.mediation.push(Fact {
                label: ui.t("mediation-appeal-until"),
                value: ui.datetime(&until),
                urgency: if until < ui.now {
                    ""
                } else {
                    ui.urgency(&until)
                },
            });
        }
    }
    if let Some(appeal) = &progress.appeal {
        let lodged = ui.ta2(
            "mediation-appeal-lodged",
            "by",
            appeal.by.code(),
            "date",
            ui.datetime(&appeal.lodged_at),
        );
        let outcome = match appeal.outcome {
            Some(outcome) => ui.label("appeal", outcome.code()),
            None => ui.t("mediation-appeal-waiting"),
        };
        panels.mediation.push(Fact {
            label: ui.t("mediation-appeal"),
            value: format!("{lodged} — {outcome}"),
            urgency: if appeal.outcome.is_none() { "soon" } else { "" },
        });
        if appeal.outcome.is_none() {
            panels.contested = data.state.decision.as_ref().map(|d| {
                format!(
                    "{} ({})",
                    resolution_text(ui, &d.resolution),
                    ui.label("outcome", d.outcome.code())
                )
            });
        }
    }
    if let Some(mediator) = &progress.consumer_mediator {
        panels.mediation.push(Fact::plain(
            ui.t("mediation-consumer"),
            format!("{} — {}", mediator.name.as_str(), mediator.website.as_str()),
        ));
    }
    // The counts of both channels are the mediator's to know; a party sees neither.
    if viewer == Party::Operator && progress.private_to_buyer + progress.private_to_merchant > 0 {
        panels.mediation.push(Fact::plain(
            ui.t("mediation-private"),
            ui.ta2(
                "mediation-private-count",
                "buyer",
                progress.private_to_buyer,
                "merchant",
                progress.private_to_merchant,
            ),
        ));
    }
    panels.requests = progress
        .requests
        .iter()
        .map(|r| RequestView {
            to: ui.label("request-to", r.from.code()),
            text: r.request.as_str().to_owned(),
            due: r.due_at,
            answered: r.answered_at.map(|at| ui.datetime(&at)),
        })
        .collect();
    Ok(())
}
