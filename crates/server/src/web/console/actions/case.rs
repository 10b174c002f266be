//! Offers and their answers, resolving, the escalation ladder, decisions,
//! reopening, closing and cancelling.

use super::*;

const OFFER: ActionForm = ActionForm {
    name: "offer",
    fields: &["amount", "note", "kind", "message"],
    guarded: false,
};

const RESOLVE: ActionForm = ActionForm {
    name: "resolve",
    fields: &["amount", "note", "kind", "message"],
    guarded: false,
};

const ACCEPT: ActionForm = ActionForm {
    name: "accept",
    fields: &[],
    guarded: false,
};

const DECLINE: ActionForm = ActionForm {
    name: "decline",
    fields: &[],
    guarded: false,
};

const ESCALATE: ActionForm = ActionForm {
    name: "escalate",
    fields: &["reason"],
    guarded: false,
};

const DECISION: ActionForm = ActionForm {
    name: "decision",
    fields: &["amount", "rationale", "outcome", "kind"],
    guarded: true,
};

const REOPEN: ActionForm = ActionForm {
    name: "reopen",
    fields: &["reason"],
    guarded: false,
};

const CLOSE: ActionForm = ActionForm {
    name: "close",
    fields: &[],
    guarded: false,
};

const CANCEL: ActionForm = ActionForm {
    name: "cancel",
    fields: &["reason"],
    guarded: false,
};

/// `POST /console/cases/{case_id}/do/offer`.
pub(in crate::web::console) async fn offer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &OFFER, &submission).await?;
    let done = propose_or_resolve(&a, "offer").await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/resolve`.
pub(in crate::web::console) async fn resolve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &RESOLVE, &submission).await?;
    let done = propose_or_resolve(&a, "resolve").await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/accept`.
pub(in crate::web::console) async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &ACCEPT, &submission).await?;
    let done = answer_offer(&a, "accept").await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/decline`.
pub(in crate::web::console) async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &DECLINE, &submission).await?;
    let done = answer_offer(&a, "decline").await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/escalate`.
pub(in crate::web::console) async fn escalate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &ESCALATE, &submission).await?;
    let done = submit_escalate(&a).await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/decision`.
pub(in crate::web::console) async fn decision(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &DECISION, &submission).await?;
    let done = submit_decision(&a).await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/reopen`.
pub(in crate::web::console) async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &REOPEN, &submission).await?;
    let done = submit_reopen(&a).await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/close`.
pub(in crate::web::console) async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &CLOSE, &submission).await?;
    let done = submit_close(&a).await;
    a.finish(done).await
}

/// `POST /console/cases/{case_id}/do/cancel`.
pub(in crate::web::console) async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let a = Acting::start(&state, &ctx, &case_id, &CANCEL, &submission).await?;
    let done = submit_cancel(&a).await;
    a.finish(done).await
}

async fn propose_or_resolve(a: &Acting<'_>, action: &str) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let currency = a.currency;
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let kind = ResolutionKind::parse(form.text("kind"));
    if kind.is_none() {
        errors.add("kind", ui.t("error-choice"));
    }
    let needs_amount = kind.is_some_and(|k| k.requires_amount());
    let amount = amount_field(ui, form, "amount", currency, needs_amount, &mut errors);
    let note = optional_label(ui, form, "note", &mut errors);
    let message = match form.text("message") {
        "" => None,
        text => match Body::parse(text) {
            Ok(b) => Some(b),
            Err(e) => {
                errors.add_text("message", &e, ui.lang, "error-required");
                None
            }
        },
    };
    if amount.is_some() {
        confirmed(ui, form, &mut errors);
    }
    check(errors)?;
    let Some(kind) = kind else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    let terms = Resolution {
        kind,
        amount,
        bonus_percent: None,
        goodwill: (kind == ResolutionKind::Goodwill).then_some(GoodwillKind::Voucher),
        note,
    };
    if action == "offer" {
        run(
            Action::ProposeOffer,
            Command::Escalation(EscalationCommand::ProposeOffer { terms, message }),
        )
        .await?;
        Ok("offer-sent")
    } else {
        run(
            Action::Resolve,
            Command::Lifecycle(LifecycleCommand::Resolve { resolution: terms }),
        )
        .await?;
        Ok("resolved")
    }
}

async fn answer_offer(a: &Acting<'_>, action: &str) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let offer_id: u32 = form
        .text("offer_id")
        .parse()
        .map_err(|_| WebError::not_found())?;
    if action == "accept" {
        run(
            Action::AnswerOffer,
            Command::Escalation(EscalationCommand::AcceptOffer { offer_id }),
        )
        .await?;
        Ok("offer-accepted-staff")
    } else {
        let reason = optional_label(ui, form, "reason", &mut errors);
        check(errors)?;
        run(
            Action::AnswerOffer,
            Command::Escalation(EscalationCommand::DeclineOffer { offer_id, reason }),
        )
        .await?;
        Ok("offer-declined-staff")
    }
}

async fn submit_escalate(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let reason = label_field(ui, form, "reason", &mut errors);
    check(errors)?;
    let to = Stage::parse(form.text("to"));
    run(
        Action::Escalate,
        Command::Escalation(EscalationCommand::Escalate {
            to,
            reason: reason.ok_or_else(|| Failure::Invalid(Invalid(Errors::default())))?,
        }),
    )
    .await?;
    Ok("escalated-staff")
}

async fn submit_decision(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let currency = a.currency;
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let outcome = DecisionOutcome::parse(form.text("outcome"));
    if outcome.is_none() {
        errors.add("outcome", ui.t("error-choice"));
    }
    let kind = ResolutionKind::parse(form.text("kind"));
    if kind.is_none() {
        errors.add("kind", ui.t("error-choice"));
    }
    let amount = amount_field(
        ui,
        form,
        "amount",
        currency,
        kind.is_some_and(|k| k.requires_amount()),
        &mut errors,
    );
    let rationale = label_field(ui, form, "rationale", &mut errors);
    confirmed(ui, form, &mut errors);
    check(errors)?;
    let (Some(outcome), Some(kind), Some(rationale)) = (outcome, kind, rationale) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    run(
        Action::RecordDecision,
        Command::Escalation(EscalationCommand::RecordDecision {
            decision: Decision {
                outcome,
                resolution: Resolution {
                    kind,
                    amount,
                    bonus_percent: None,
                    goodwill: (kind == ResolutionKind::Goodwill).then_some(GoodwillKind::Voucher),
                    note: None,
                },
                rationale,
            },
        }),
    )
    .await?;
    Ok("decision-recorded")
}

async fn submit_reopen(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let reason = label_field(ui, form, "reason", &mut errors);
    check(errors)?;
    let Some(reason) = reason else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    run(
        Action::Reopen,
        Command::Lifecycle(LifecycleCommand::Reopen { reason }),
    )
    .await?;
    Ok("reopened")
}

async fn submit_close(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let run = |action: Action, command: Command| a.run(action, command);
    run(Action::Close, Command::Lifecycle(LifecycleCommand::Close)).await?;
    Ok("closed")
}

async fn submit_cancel(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let reason = label_field(ui, form, "reason", &mut errors);
    check(errors)?;
    let Some(reason) = reason else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    run(
        Action::Cancel,
        Command::Lifecycle(LifecycleCommand::Cancel { reason }),
    )
    .await?;
    Ok("cancelled-staff")
}
