//! The buyer's side of incidents and of the escalation ladder: a new delivery
//! deadline for a parcel that did not come, and the cancellation once it passed
//! (C. conso L216-6, L216-7); who answers for the incident and the replacement
//! parcel; once the marketplace mediates, the private channel with the mediator
//! and what the mediator asks; the appeal of a decision that went against the
//! buyer; the consumer mediator and the dossier to give it (C. conso L612-1).

use super::*;
use amiable_domain::case::{IncidentCommand, MediationCommand, Possible};

/// What the case page shows the buyer of an incident and of the ladder.
#[derive(Default)]
pub struct LadderView {
    /// The buyer may write to the mediator in private.
    pub can_private: bool,
    /// The mediator's open requests to the buyer: what, by when.
    pub requests: Vec<(String, Timestamp)>,
    /// When the delivery was due (late or not received).
    pub delivery_due: Option<String>,
    pub can_set_deadline: bool,
    /// The earliest new delivery deadline the form takes, and the one it suggests: a
    /// week on (`YYYY-MM-DD`).
    pub deadline_min: String,
    pub deadline_suggested: String,
    /// The new deadline the buyer gave the merchant (L216-6), and whether it passed.
    pub deliver_by: Option<String>,
    pub deliver_by_passed: bool,
    pub can_cancel_late: bool,
    /// After the cancellation: the last day of the refund (L216-7).
    pub refund_due_by: Option<String>,
    /// Who answers for the incident, its grounds, and whether the merchant still does.
    pub responsibility: Option<String>,
    pub grounds: Option<String>,
    pub merchant_answers: bool,
    pub reshipments: Vec<String>,
    pub can_appeal: bool,
    /// Until when the decision may be appealed.
    pub appeal_until: Option<String>,
    /// An appeal lodged: by whom and when, and how it was heard.
    pub appeal: Option<String>,
    /// The consumer mediator offered: name, website.
    pub consumer_mediator: Option<(String, String)>,
    /// The buyer may not ask the marketplace yet: from when they may.
    pub escalate_from: Option<String>,
}

impl LadderView {
    /// Whether the page has anything to say of the parcel.
    pub fn about_parcel(&self) -> bool {
        self.can_set_deadline
            || self.deliver_by.is_some()
            || self.can_cancel_late
            || self.refund_due_by.is_some()
            || self.responsibility.is_some()
            || !self.reshipments.is_empty()
    }
}

pub(super) async fn ladder_view(
    state: &AppState,
    ui: &Ui,
    data: &CaseData,
) -> Result<LadderView, WebError> {
    let case = &data.state;
    let law = state.store().rules_pack(case.operator_id).await?;
    let ladder = state
        .app()
        .ladder(case.operator_id)
        .await
        .map_err(Problem::from)?;
    let mut view = LadderView {
        can_private: data.can(Possible::PostPrivateMessage),
        can_set_deadline: data.can(Possible::SetDeliveryDeadline),
        can_cancel_late: data.can(Possible::CancelLateOrder),
        can_appeal: data.can(Possible::Appeal),
        ..LadderView::default()
    };
    let today = law.date_of(ui.now);
    let earliest = today
        .checked_add(jiff::Span::new().days(i64::from(law.delivery.min_extra_days)))
        .unwrap_or(today);
    view.deadline_min = earliest.to_string();
    view.deadline_suggested = today
        .checked_add(jiff::Span::new().days(7))
        .unwrap_or(earliest)
        .max(earliest)
        .to_string();
    let about_delivery = matches!(
        case.reason.root(),
        BuiltinReason::NotReceived | BuiltinReason::LateDelivery
    );
    if about_delivery && case.kind == CaseKind::Incident {
        view.delivery_due = Some(ui.date(&law.date_of(data.order.delivery_due())));
    }
    if let Some(incident) = &case.incident {
        if let Some(day) = incident.deliver_by {
            view.deliver_by = Some(ui.date(&day));
            view.deliver_by_passed = today > day;
        }
        view.refund_due_by = incident.refund_due_by.map(|d| ui.date(&d));
        view.responsibility = incident
            .responsible
            .map(|r| ui.label("responsibility", r.code()));
        if let Some((grounds, merchant_answers)) = shared::responsibility_grounds(&data.events) {
            view.grounds = Some(grounds);
            view.merchant_answers = merchant_answers
                && incident.responsible != Some(amiable_domain::case::Responsibility::Merchant);
        }
        view.reshipments = incident
            .reshipments
            .iter()
            .map(|r| shared::reshipment_text(ui, r))
            .collect();
    }
    if let Some(mediation) = &case.mediation {
        // The page's data keeps only the buyer's own channel.
        view.requests = mediation
            .open_requests()
            .filter(|r| r.from == Party::Buyer)
            .map(|r| (r.request.as_str().to_owned(), r.due_at))
            .collect();
        if let (Some(at), None) = (mediation.decided_at, &mediation.appeal) {
            let until = ladder.appeal_until(at);
            if until > ui.now {
                view.appeal_until = Some(ui.datetime(&until));
            }
        }
        view.appeal = mediation.appeal.as_ref().map(|appeal| {
            let lodged = ui.ta2(
                "case-appeal-lodged",
                "by",
                appeal.by.code(),
                "date",
                ui.day_of(&appeal.lodged_at),
            );
            let heard = match appeal.outcome {
                Some(outcome) => ui.label("appeal", outcome.code()),
                None => ui.t("case-appeal-waiting"),
            };
            format!("{lodged} {heard}")
        });
        view.consumer_mediator = mediation
            .consumer_mediator
            .as_ref()
            .map(|m| (m.name.as_str().to_owned(), m.website.as_str().to_owned()));
    }
    // Before the merchant answered, the buyer goes to the marketplace only once the
    // merchant's window (working days, the marketplace's rule) has passed.
    if case.status == CaseStatus::Open
        && case.stage == Stage::Negotiation
        && case.merchant_first_response_at.is_none()
        && case.awaiting_payment.is_none()
        && !data.can(Possible::Escalate)
    {
        let opens_at = ladder.escalation_opens_at(case.opened_at, law);
        if opens_at > ui.now {
            view.escalate_from = Some(ui.ta2(
                "escalate-from",
                "name",
                data.operator.name.as_str(),
                "date",
                ui.datetime(&opens_at),
            ));
        }
    }
    Ok(view)
}

/// The case page again with a refused command's messages: beside the fields of
/// `fields` its problem names, at the top of the form otherwise.
async fn refused_at(
    state: &AppState,
    ctx: &Ctx,
    buyer: &Principal,
    case_id: CaseId,
    problem: Problem,
    fields: &[&str],
    forms: impl FnOnce(Errors) -> CaseForms,
) -> Result<Response, WebError> {
    if problem.status >= 500 || problem.status == 404 || problem.status == 403 {
        return Err(problem.into());
    }
    let errors = Errors::from_problem(&problem, ctx.lang, |path| {
        fields.contains(&path).then(|| path.to_owned())
    });
    refused(state, ctx, buyer, case_id, forms(errors)).await
}

/// `POST /suivi/dossier/{case_id}/mediateur`: a message to the mediator the shop never sees.
pub(super) async fn private_message(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let text = form.text("body").to_owned();
    let forms = |errors: Errors| CaseForms {
        private_message: text.clone(),
        private_errors: errors,
        ..CaseForms::default()
    };
    let body = match Body::parse(&text) {
        Ok(body) => body,
        Err(e) => {
            let mut errors = Errors::default();
            errors.add_text("private-body", &e, ui.lang, "message-empty");
            return refused(&state, &ctx, &buyer, case_id, forms(errors)).await;
        }
    };
    let command = MediationCommand::PostPrivateMessage {
        channel: Party::Buyer,
        body,
    };
    match state
        .app()
        .mediation(&buyer, case_id, form.version()?, command)
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(back(case_id, "private-message-sent-buyer")),
        Err(problem) => refused_at(&state, &ctx, &buyer, case_id, problem, &[], forms).await,
    }
}

/// `POST /suivi/dossier/{case_id}/nouveau-delai`: the buyer gives the shop a new,
/// reasonable delivery deadline (C. conso L216-6).
pub(super) async fn delivery_deadline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let typed = form.text("deliver_by").to_owned();
    let forms = |errors: Errors| CaseForms {
        deadline: typed.clone(),
        deadline_errors: errors,
        ..CaseForms::default()
    };
    let Ok(deliver_by) = typed.parse::<jiff::civil::Date>() else {
        let mut errors = Errors::default();
        errors.add("deliver_by", ui.t("deadline-date-invalid"));
        return refused(&state, &ctx, &buyer, case_id, forms(errors)).await;
    };
    match state
        .app()
        .incident(
            &buyer,
            case_id,
            form.version()?,
            IncidentCommand::SetDeliveryDeadline { deliver_by },
        )
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(back(case_id, "delivery-deadline-set")),
        Err(problem) => {
            refused_at(
                &state,
                &ctx,
                &buyer,
                case_id,
                problem,
                &["deliver_by"],
                forms,
            )
            .await
        }
    }
}

/// `POST /suivi/dossier/{case_id}/annulation-retard`: the new deadline passed without
/// delivery; the buyer cancels the order and is owed everything paid within 14 days
/// (C. conso L216-6, L216-7).
pub(super) async fn cancel_late_order(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    match state
        .app()
        .incident(
            &buyer,
            case_id,
            form.version()?,
            IncidentCommand::CancelLateOrder,
        )
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(back(case_id, "late-order-cancelled")),
        Err(problem) => {
            refused_at(&state, &ctx, &buyer, case_id, problem, &[], |errors| {
                CaseForms {
                    action_errors: errors,
                    ..CaseForms::default()
                }
            })
            .await
        }
    }
}

/// `POST /suivi/dossier/{case_id}/recours`: the buyer appeals the marketplace's decision.
pub(super) async fn appeal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let text = form.text("grounds").to_owned();
    let forms = |errors: Errors| CaseForms {
        appeal_grounds: text.clone(),
        appeal_errors: errors,
        ..CaseForms::default()
    };
    let grounds = match Body::parse(&text) {
        Ok(grounds) => grounds,
        Err(e) => {
            let mut errors = Errors::default();
            errors.add_text("appeal-grounds", &e, ui.lang, "appeal-why");
            return refused(&state, &ctx, &buyer, case_id, forms(errors)).await;
        }
    };
    match state
        .app()
        .mediation(
            &buyer,
            case_id,
            form.version()?,
            MediationCommand::Appeal { grounds },
        )
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(back(case_id, "appealed")),
        Err(problem) => refused_at(&state, &ctx, &buyer, case_id, problem, &[], forms).await,
    }
}

/// `GET /suivi/dossier/{case_id}/dossier.pdf`: the buyer's copy of the dossier, to give
/// the consumer mediator (without the shop's private exchanges with the mediator).
pub(super) async fn dossier(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    Ok(
        crate::api::disputes::dossier_response(&state, &buyer, case_id, Some(ctx.lang.as_str()))
            .await?,
    )
}
