//! The case page: the case, its order, money and return, the timeline, and the
//! forms of the commands the decider allows (their handlers are in `actions`).

use super::{parse_case, staff};
use crate::AppState;
use crate::web::form::{Errors, Form};
use crate::web::shared;
use crate::web::timeline::{Entry, resolution_text};
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError};
use amiable_domain::access::Principal;
use amiable_domain::case::{CaseStatus, OfferStatus, Possible};
use amiable_domain::ids::CaseId;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use jiff::Timestamp;

/// A line of the order, with what the return says of it.
pub struct OrderLineView {
    pub index: usize,
    pub title: String,
    pub sku: String,
    pub quantity: u32,
    pub unit_price: String,
    pub unit_price_input: String,
    /// In the return: quantity, basis, until, fee.
    pub returned: Option<(u32, String)>,
    /// What an exchange may replace of this line: the return's quantity, or the case's item's.
    pub exchangeable: Option<u32>,
    pub received: Option<String>,
    pub inspected: Option<String>,
}

impl OrderLineView {
    /// How many a replacement sends by default: the case's items, else the whole line.
    pub fn reship_default(&self) -> u32 {
        self.exchangeable.unwrap_or(self.quantity)
    }
}

/// A canned reply of the reader's shop (or marketplace), filled in for this case.
pub struct Macro {
    pub key: String,
    pub title: String,
    pub text: String,
}

/// Who handles the case, and who the reader may give it to.
#[derive(Default)]
pub struct Assignment {
    /// « Léa Garnier · SAV », « SAV » (a team's queue), or nothing.
    pub current: Option<String>,
    /// The reader handles it.
    pub mine: bool,
    /// (value, label) of each "assign to" choice (see `bulk::assign_choices`).
    pub choices: Vec<(String, String)>,
    /// The choice that names the current assignee, if any.
    pub selected: String,
    /// The case may be assigned now (open or resolved).
    pub possible: bool,
}

#[derive(Template)]
#[template(path = "console/case.html")]
pub(super) struct CasePage {
    ui: Ui,
    case_id: String,
    short_id: String,
    title: String,
    status: String,
    status_code: &'static str,
    stage: String,
    stage_code: &'static str,
    waiting: Option<String>,
    deadline: Option<Timestamp>,
    opened: String,
    shop: String,
    number: String,
    placed: String,
    total: String,
    buyer_name: String,
    buyer_email: String,
    buyer_phone: Option<String>,
    address: Vec<String>,
    payment: Option<String>,
    shipments: Vec<String>,
    lines: Vec<OrderLineView>,
    ledger: Vec<(String, String)>,
    refundable: Option<String>,
    refundable_input: String,
    currency: String,
    return_facts: Vec<(String, String)>,
    has_label: bool,
    refund_due: Option<String>,
    refunds: Vec<(u32, String, bool)>,
    timeline: Vec<Entry>,
    /// The « Délais » panel: each service-level target now.
    sla: Option<crate::web::sla::SlaPanel>,
    files_base: String,
    offers: Vec<(u32, String, String, bool)>,
    possible: Vec<Possible>,
    macros: Vec<Macro>,
    assignment: Assignment,
    /// The others who have the case open (the collision warning), at page load.
    presence: Vec<amiable_app::helpdesk::presence::Present>,
    version: i64,
    failed: String,
    form: Form,
    errors: Errors,
    next_stage: String,
    buyer_name_short: String,
    /// The buyer's answer to the satisfaction question: rating in words, comment.
    feedback: Option<(String, Option<String>)>,
    /// The notifications this case caused, newest first: (id, recipient, subject, channel, status).
    sent: Vec<(i64, String, String, String, String)>,
    settled: bool,
    /// The incident, mediation and approval panels.
    panels: super::disputes::Panels,
    /// `operator` or `merchant`: who reads the page (the private channel it writes in).
    viewer: &'static str,
    /// The reader may approve goodwill gestures above the shop's threshold.
    may_approve: bool,
    /// The carrier of the order's first shipment (a replacement's default).
    carrier: String,
    /// A request for information's default deadline (three days on, `datetime-local`).
    request_due: String,
    /// The order's money the marketplace paid, and what the shop owes it back.
    ledger_ladder: Vec<(String, String)>,
}

impl CasePage {
    fn can(&self, what: &str) -> bool {
        self.possible.iter().any(|p| possible_name(*p) == what)
    }

    /// A field's value: what was typed when this action's form was refused, else `default`.
    fn value(&self, action: &str, field: &str, default: &str) -> String {
        if self.failed == action {
            self.form.text(field).to_owned()
        } else {
            default.to_owned()
        }
    }

    /// Whether the gesture `id` waits for this reader's approval.
    fn can_approve(&self, id: &u32) -> bool {
        self.possible.contains(&Possible::ApproveCompensation(*id))
    }

    fn is_open(&self, action: &str) -> bool {
        self.failed == action
    }

    fn err(&self, action: &str, field: &str) -> Option<&str> {
        if self.failed == action {
            self.errors.of(field)
        } else {
            None
        }
    }

    fn general(&self, action: &str) -> Vec<String> {
        if self.failed == action {
            self.errors.general().to_vec()
        } else {
            Vec::new()
        }
    }

    /// `value` for the field `prefix` + `index` (`received_2`).
    fn value_at(
        &self,
        action: &str,
        prefix: &str,
        index: impl std::fmt::Display,
        default: impl std::fmt::Display,
    ) -> String {
        self.value(action, &format!("{prefix}{index}"), &default.to_string())
    }

    fn err_at(&self, action: &str, prefix: &str, index: impl std::fmt::Display) -> Option<&str> {
        if self.failed == action {
            self.errors.of_at(prefix, index)
        } else {
            None
        }
    }

    fn selected_at(
        &self,
        action: &str,
        prefix: &str,
        index: impl std::fmt::Display,
        value: &str,
        default: bool,
    ) -> bool {
        self.selected(action, &format!("{prefix}{index}"), value, default)
    }

    fn selected(&self, action: &str, field: &str, value: &str, default: bool) -> bool {
        if self.failed == action {
            self.form.text(field) == value
        } else {
            default
        }
    }
}

/// The form name of each possible command.
fn possible_name(possible: Possible) -> &'static str {
    match possible {
        Possible::PostMessage => "message",
        Possible::AddNote => "note",
        Possible::AttachFile => "attach",
        Possible::ProposeOffer => "offer",
        Possible::AcceptOffer(_) => "accept",
        Possible::DeclineOffer(_) => "decline",
        Possible::Escalate => "escalate",
        Possible::RecordDecision => "decision",
        Possible::Resolve => "resolve",
        Possible::Reopen => "reopen",
        Possible::Close => "close",
        Possible::Cancel => "cancel",
        Possible::AuthoriseReturn => "authorise",
        Possible::RefuseReturn => "refuse",
        Possible::IssueLabel => "label",
        Possible::RecordParcelScan => "scan",
        Possible::DeclareShipment => "shipment",
        Possible::ReceiveReturn => "receive",
        Possible::InspectReturn => "inspect",
        Possible::Refund => "refund",
        Possible::SettleRefund(_) => "settle",
        Possible::FailRefund(_) => "fail",
        Possible::IssueStoreCredit => "store-credit",
        Possible::RecordExchange => "exchange",
        Possible::Compensate => "compensate",
        Possible::ApproveCompensation(_) => "approve-gesture",
        Possible::DetermineResponsibility => "responsibility",
        Possible::SetDeliveryDeadline => "delivery-deadline",
        Possible::CancelLateOrder => "cancel-late",
        Possible::FileCarrierClaim => "carrier-claim",
        Possible::RecordClaimOutcome => "claim-outcome",
        Possible::Reship => "reship",
        Possible::RecordReshipmentScan => "reship-scan",
        Possible::PostPrivateMessage => "private-message",
        Possible::RequestInformation => "request-information",
        Possible::Appeal => "appeal",
        Possible::DecideAppeal => "decide-appeal",
        Possible::OfferConsumerMediation => "consumer-mediation",
    }
}

pub(super) async fn case_view(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    case_id: CaseId,
    failed: &str,
    form: Form,
    errors: Errors,
) -> Result<CasePage, WebError> {
    let data = shared::load_case(state, principal, case_id).await?;
    let ui = ctx
        .ui()
        .with_taxonomy(&state.store().taxonomy(data.state.operator_id).await?);
    let viewer = principal.actor().party();
    let may_approve = state
        .app()
        .may_approve_goodwill(principal, case_id)
        .await
        .map_err(crate::problem::Problem::from)?;
    let panels = super::disputes::panels(state, &ui, &data, viewer).await?;
    let order = &data.order;
    let progress = data.state.returns.as_ref();
    let lines = order_lines(&ui, &data);
    let ledger = shared::ledger_of(state, order).await?;
    let (ledger_rows, refundable) = ledger_rows(&ui, &ledger);
    let ledger_ladder = ledger_ladder(&ui, &ledger);
    let refundable = Some(refundable);
    let return_facts = progress.map(|p| return_facts(&ui, p)).unwrap_or_default();
    let refund_due = refund_due(&ui, &data);
    let refunds = refund_rows(&ui, &data);
    let offers = offer_rows(&ui, &data);
    let address = address_lines(order);
    let currency = order.currency;
    let feedback = state
        .app()
        .feedback(principal, case_id)
        .await
        .map_err(crate::problem::Problem::from)?
        .map(|f| {
            (
                format!(
                    "{} — {}",
                    ui.ta("feedback-rating", "rating", f.rating),
                    ui.t(&format!("survey-rating-{}", f.rating))
                ),
                f.comment,
            )
        });
    let settled = matches!(
        data.state.status,
        amiable_domain::case::CaseStatus::Resolved | amiable_domain::case::CaseStatus::Closed
    );
    let sent = state
        .app()
        .deliveries(
            principal,
            amiable_store::DeliveryFilter {
                case_id: Some(case_id),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .map_err(crate::problem::Problem::from)?;
    let sent = shared::readable_deliveries(state, principal, sent)
        .await?
        .into_iter()
        .filter(|d| d.channel != "webhook")
        .map(|d| {
            (
                d.id,
                d.recipient,
                d.subject,
                ui.label("mail-channel", &d.channel),
                ui.label("mail-status", &d.status),
            )
        })
        .collect();
    // Above the threshold, a gesture waits for a merchant admin or the marketplace.
    let macros = state
        .app()
        .case_macros(principal, case_id)
        .await
        .map_err(crate::problem::Problem::from)?
        .into_iter()
        .map(|(m, rendered)| Macro {
            title: m.title(ui.lang).to_owned(),
            key: m.id,
            text: rendered.text,
        })
        .collect();
    let assignment = assignment(state, &ui, principal, case_id, &data.state).await?;
    let presence = state
        .app()
        .heartbeat(principal, case_id, false)
        .await
        .map_err(crate::problem::Problem::from)?;
    let sla = crate::web::sla::case_sla(state, principal, case_id).await;
    let possible: Vec<Possible> = data
        .possible
        .iter()
        .copied()
        .filter(|p| may_approve || !matches!(p, Possible::ApproveCompensation(_)))
        .collect();
    Ok(CasePage {
        panels,
        viewer: if viewer == amiable_domain::case::Party::Operator {
            "operator"
        } else {
            "merchant"
        },
        may_approve,
        carrier: order
            .shipments
            .first()
            .map(|s| s.carrier.as_str().to_owned())
            .unwrap_or_default(),
        request_due: ui
            .now
            .checked_add(jiff::SignedDuration::from_hours(72))
            .unwrap_or(ui.now)
            .to_zoned(ui.zone.clone())
            .datetime()
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        ledger_ladder,
        feedback,
        settled,
        sent,
        case_id: case_id.to_string(),
        short_id: shared::short_id(&case_id),
        title: format!(
            "{} — {}",
            ui.label("kind", data.state.kind.code()),
            ui.reason(data.state.reason.as_str())
        ),
        status: match &data.state.awaiting_payment {
            Some(_) => ui.t("status-awaiting-payment"),
            None => ui.label("status", data.state.status.code()),
        },
        status_code: match &data.state.awaiting_payment {
            Some(_) => "awaiting-payment",
            None => data.state.status.code(),
        },
        stage: ui.label("stage", data.state.stage.code()),
        stage_code: data.state.stage.code(),
        // Terms agreed or decided: who pays what, by when.
        waiting: match &data.state.awaiting_payment {
            Some(awaiting) => Some(ui.ta2(
                "awaiting-payment-by",
                "date",
                ui.day_of(&awaiting.due),
                "what",
                resolution_text(&ui, &awaiting.terms),
            )),
            None => data.state.waiting_on.map(|p| ui.label("waiting", p.code())),
        },
        deadline: if data.state.status == CaseStatus::Open {
            data.next_deadline
        } else {
            None
        },
        opened: ui.datetime(&data.state.opened_at),
        shop: data.merchant.name.clone(),
        number: order.external_id.as_str().to_owned(),
        placed: ui.day_of(&order.placed_at),
        total: order.total().map(|t| ui.money(&t)).unwrap_or_default(),
        buyer_name: order.buyer.name.as_str().to_owned(),
        buyer_name_short: order.buyer.name.as_str().to_owned(),
        buyer_email: order.buyer.email.as_str().to_owned(),
        buyer_phone: order.buyer.phone.as_ref().map(|p| p.as_str().to_owned()),
        address,
        payment: order.payment.as_ref().map(|p| {
            format!(
                "{} · {} · {}",
                serde_json::to_value(p.provider)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                p.transaction_id.as_str(),
                ui.money(&p.captured)
            )
        }),
        shipments: order
            .shipments
            .iter()
            .map(|s| {
                let mut text = s.carrier.as_str().to_owned();
                if let Some(t) = &s.tracking_number {
                    text.push_str(&format!(" {}", t.as_str()));
                }
                match (s.shipped_at, s.delivered_at) {
                    (_, Some(d)) => {
                        text.push_str(" — ");
                        text.push_str(&ui.ta("shipment-delivered", "date", ui.day_of(&d)));
                    }
                    (Some(at), None) => {
                        text.push_str(" — ");
                        text.push_str(&ui.ta("shipment-shipped", "date", ui.day_of(&at)));
                    }
                    _ => {}
                }
                text
            })
            .collect(),
        lines,
        ledger: ledger_rows,
        // What this case calls for (never more than the order can still give back).
        refundable_input: refundable
            .map(
                |r| match amiable_domain::case::money_suggestion(&data.state) {
                    Some(s) if s.currency == r.currency && s.amount_minor < r.amount_minor => s,
                    _ => r,
                },
            )
            .map(|r| ui.money_input(&r))
            .unwrap_or_default(),
        refundable: refundable.map(|r| ui.money(&r)),
        currency: currency.code().to_owned(),
        return_facts,
        has_label: progress.is_some_and(|p| p.label.is_some()),
        refund_due,
        refunds,
        timeline: crate::web::sla::with_pauses(data.timeline(&ui, viewer), &ui, sla.as_ref()),
        sla: sla.as_ref().map(|s| crate::web::sla::panel(&ui, s)),
        files_base: format!("/console/cases/{case_id}/files"),
        offers,
        next_stage: data
            .state
            .stage
            .next()
            .map(|s| ui.label("stage", s.code()))
            .unwrap_or_default(),
        possible,
        macros,
        assignment,
        presence,
        version: data.state.version,
        failed: failed.to_owned(),
        form,
        errors,
        ui,
    })
}

/// Who handles the case, and the choices of the "assign to" control.
async fn assignment(
    state: &AppState,
    ui: &Ui,
    principal: &Principal,
    case_id: CaseId,
    case: &amiable_domain::case::CaseState,
) -> Result<Assignment, WebError> {
    let assignable = state
        .app()
        .assignable(principal, case_id)
        .await
        .map_err(crate::problem::Problem::from)?;
    let me = match principal {
        Principal::Staff { user_id, .. } => Some(user_id.as_str()),
        _ => None,
    };
    let possible = matches!(case.status, CaseStatus::Open | CaseStatus::Resolved);
    let Some(current) = &case.assignee else {
        return Ok(Assignment {
            choices: super::bulk::assign_choices(
                ui,
                me.is_some(),
                &assignable.people,
                &assignable.teams,
            ),
            possible,
            ..Assignment::default()
        });
    };
    let team = match &current.team_id {
        Some(id) => match assignable.teams.iter().find(|t| t.id == *id) {
            Some(t) => Some(t.name.clone()),
            None => state.store().team(id).await?.map(|t| t.name),
        },
        None => None,
    };
    let text = match (&current.user_id, &current.name, team) {
        (Some(_), Some(name), Some(team)) => format!("{name} · {team}"),
        (Some(id), name, team) => {
            let name = name.clone().unwrap_or_else(|| id.clone());
            team.map_or(name.clone(), |t| format!("{name} · {t}"))
        }
        (None, name, team) => team.or(name.clone()).unwrap_or_default(),
    };
    let mine = me.is_some() && current.user_id.as_deref() == me;
    Ok(Assignment {
        possible,
        current: Some(text),
        mine,
        choices: super::bulk::assign_choices(
            ui,
            me.is_some() && !mine,
            &assignable.people,
            &assignable.teams,
        ),
        selected: match (&current.user_id, &current.team_id) {
            (Some(user), _) => format!("user:{user}"),
            (None, Some(team)) => format!("queue:{team}"),
            (None, None) => String::new(),
        },
    })
}

/// The order's lines, with what the return (or the case) says of each.
fn order_lines(ui: &Ui, data: &shared::CaseData) -> Vec<OrderLineView> {
    let order = &data.order;
    let progress = data.state.returns.as_ref();
    order
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let returned = progress.and_then(|p| {
                p.lines.iter().find(|l| l.line_id == line.line_id).map(|l| {
                    let mut terms = vec![if l.basis == "policy" {
                        ui.t("basis-policy")
                    } else {
                        ui.law(&l.basis)
                    }];
                    if let Some(until) = l.until {
                        terms.push(ui.ta("until", "date", ui.date_short(&until)));
                    }
                    if let Some(fee) = &l.restocking_fee {
                        terms.push(ui.ta("terms-restocking-amount", "amount", ui.money(fee)));
                    }
                    if l.returnless {
                        terms.push(ui.t("timeline-returnless"));
                    }
                    (l.quantity.get(), terms.join(" · "))
                })
            });
            let exchangeable = match progress {
                Some(p) => p
                    .lines
                    .iter()
                    .find(|l| l.line_id == line.line_id)
                    .map(|l| l.quantity.get()),
                None => data
                    .state
                    .items
                    .iter()
                    .find(|i| i.line_id == line.line_id)
                    .map(|i| i.quantity.get()),
            };
            OrderLineView {
                exchangeable,
                index,
                title: line.title.as_str().to_owned(),
                sku: line.sku.as_str().to_owned(),
                quantity: line.quantity.get(),
                unit_price: ui.money(&line.unit_price),
                unit_price_input: ui.money_input(&line.unit_price),
                returned,
                received: progress.and_then(|p| {
                    p.received
                        .iter()
                        .find(|r| r.line_id == line.line_id)
                        .map(|r| {
                            format!(
                                "{} — {}",
                                r.quantity,
                                ui.label("condition", r.condition.code())
                            )
                        })
                }),
                inspected: progress.and_then(|p| {
                    p.inspected
                        .iter()
                        .find(|i| i.line_id == line.line_id)
                        .map(|i| {
                            if i.compliant {
                                ui.t("timeline-compliant")
                            } else {
                                ui.t("timeline-not-compliant")
                            }
                        })
                }),
            }
        })
        .collect()
}

/// The order's money as rows, and what remains refundable.
fn ledger_rows(
    ui: &Ui,
    l: &amiable_domain::ledger::OrderLedger,
) -> (Vec<(String, String)>, amiable_domain::money::Money) {
    let mut ledger_rows = Vec::new();
    ledger_rows.push((ui.t("ledger-captured"), ui.money(&l.captured)));
    ledger_rows.push((ui.t("ledger-refunded"), ui.money(&l.refunded)));
    if l.store_credit.is_positive() {
        ledger_rows.push((ui.t("ledger-store-credit"), ui.money(&l.store_credit)));
    }
    if l.compensation.is_positive() {
        ledger_rows.push((ui.t("ledger-compensation"), ui.money(&l.compensation)));
    }
    if l.surcharge_due.is_positive() {
        ledger_rows.push((ui.t("ledger-surcharge"), ui.money(&l.surcharge_due)));
    }
    if l.due_from_buyer.is_positive() {
        ledger_rows.push((ui.t("ledger-due-from-buyer"), ui.money(&l.due_from_buyer)));
    }
    (ledger_rows, l.refundable())
}

/// What the marketplace paid on its decisions, what the shop owes it back, and what
/// carriers paid the shop on its claims.
fn ledger_ladder(ui: &Ui, l: &amiable_domain::ledger::OrderLedger) -> Vec<(String, String)> {
    [
        ("ledger-marketplace-paid", &l.marketplace_paid),
        ("ledger-due-from-merchant", &l.due_from_merchant),
        ("ledger-carrier-recovered", &l.carrier_recovered),
    ]
    .into_iter()
    .filter(|(_, amount)| amount.is_positive())
    .map(|(key, amount)| (ui.t(key), ui.money(amount)))
    .collect()
}

/// What the return is at: stage, RMA, who pays the shipping, the policy, the parcel.
fn return_facts(ui: &Ui, p: &amiable_domain::case::ReturnProgress) -> Vec<(String, String)> {
    let mut return_facts = Vec::new();
    return_facts.push((ui.t("return-stage"), ui.label("rstage", p.stage.code())));
    if let Some(rma) = &p.rma {
        return_facts.push((ui.t("return-rma"), rma.clone()));
    }
    return_facts.push((
        ui.t("return-shipping"),
        ui.label(
            "shipping",
            match p.return_shipping {
                amiable_domain::returns::ReturnShipping::Buyer => "buyer",
                amiable_domain::returns::ReturnShipping::Merchant => "merchant",
            },
        ),
    ));
    if let Some(preferred) = p.preferred {
        return_facts.push((
            ui.t("return-preferred"),
            ui.label("prefer", preferred.code()),
        ));
    }
    return_facts.push((
        ui.t("return-policy"),
        ui.ta2(
            "return-policy-ref",
            "what",
            ui.label("policy-source", p.policy.source.code()),
            "version",
            p.policy.version,
        ),
    ));
    if let Some(label) = &p.label {
        return_facts.push((
            ui.t("return-tracking"),
            format!(
                "{} {}",
                label.carrier.as_str(),
                label.tracking_number.as_str()
            ),
        ));
    }
    if let Some(scan) = &p.last_scan {
        return_facts.push((
            ui.t("return-last-scan"),
            format!(
                "{} — {}",
                ui.label("scan", scan.status.code()),
                ui.datetime(&scan.scanned_at)
            ),
        ));
    }
    return_facts
}

/// The legal refund deadline (C. conso L221-24), with a countdown while the case is open.
fn refund_due(ui: &Ui, data: &shared::CaseData) -> Option<String> {
    let progress = data.state.returns.as_ref();
    progress.and_then(|p| p.refund_due_by).map(|due| {
        let end = due
            .to_zoned(crate::web::format::zone())
            .ok()
            .and_then(|z| z.checked_add(jiff::SignedDuration::from_hours(24)).ok())
            .map(|z| z.timestamp());
        match end {
            Some(end) if data.state.status == CaseStatus::Open => {
                format!("{} ({})", ui.date(&due), ui.countdown(&end))
            }
            _ => ui.date(&due),
        }
    })
}

/// The case's refunds: id, what and how far, whether the gateway still has it.
fn refund_rows(ui: &Ui, data: &shared::CaseData) -> Vec<(u32, String, bool)> {
    data.state
        .refunds
        .iter()
        .map(|r| {
            let mut text = ui.ta2(
                "money-refund",
                "amount",
                ui.money(&r.amount),
                "status",
                ui.label("refund", r.status.code()),
            );
            if let Some(late) = &r.late {
                text.push_str(" — ");
                text.push_str(&crate::web::timeline::late_text(ui, late));
            }
            (
                r.refund_id,
                text,
                r.status == amiable_domain::case::RefundStatus::Pending,
            )
        })
        .collect()
}

/// The case's offers: id, terms, between whom, whether pending.
fn offer_rows(ui: &Ui, data: &shared::CaseData) -> Vec<(u32, String, String, bool)> {
    data.state
        .offers
        .iter()
        .map(|o| {
            (
                o.offer_id,
                resolution_text(ui, &o.terms),
                ui.ta2("offer-between", "who", o.by.code(), "party", o.to.code()),
                o.status == OfferStatus::Pending,
            )
        })
        .collect()
}

/// The delivery address as lines.
fn address_lines(order: &amiable_domain::order::Order) -> Vec<String> {
    order
        .shipping_address
        .as_ref()
        .map(|a| {
            let mut lines = a.lines.clone();
            lines.push(format!("{} {}", a.postal_code, a.city));
            lines.push(a.country.clone());
            lines
        })
        .unwrap_or_default()
}

/// `GET /console/cases/{case_id}`.
pub(super) async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    let page = case_view(
        &state,
        &ctx,
        &principal,
        case_id,
        "",
        Form::default(),
        Errors::default(),
    )
    .await?;
    Ok(ctx.render(&page))
}

pub(super) async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((case_id, sha256)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    Ok(crate::api::attachments::file_response(&state, &principal, case_id, &sha256).await?)
}

/// `GET /console/cases/{case_id}/dossier.pdf`: the case as a consumer mediator or a
/// court reads it, in the page's language.
pub(super) async fn dossier(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    Ok(
        crate::api::disputes::dossier_response(
            &state,
            &principal,
            case_id,
            Some(ctx.lang.as_str()),
        )
        .await?,
    )
}

/// `GET /console/cases/{case_id}/label[?format=a4]`.
pub(super) async fn label(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    Query(query): Query<shared::LabelQuery>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let case_id = parse_case(&case_id)?;
    let size = query.size()?;
    Ok(crate::api::returns::label_response(&state, &principal, case_id, Some(size)).await?)
}
