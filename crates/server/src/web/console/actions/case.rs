//! Offers and their answers, resolving, the escalation ladder, decisions,
//! reopening, closing and cancelling.

use super::*;
use amiable_domain::case::Payer;

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
    fields: &[
        "amount",
        "rationale",
        "outcome",
        "kind",
        "note",
        "cites",
        "paid_by",
        "recover_from_merchant",
    ],
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

action!(
    /// `POST /console/cases/{case_id}/do/offer`.
    offer,
    OFFER,
    |a| propose_or_resolve(&a, "offer")
);

action!(
    /// `POST /console/cases/{case_id}/do/resolve`.
    resolve,
    RESOLVE,
    |a| propose_or_resolve(&a, "resolve")
);

action!(
    /// `POST /console/cases/{case_id}/do/accept`.
    accept,
    ACCEPT,
    |a| answer_offer(&a, "accept")
);

action!(
    /// `POST /console/cases/{case_id}/do/decline`.
    decline,
    DECLINE,
    |a| answer_offer(&a, "decline")
);

action!(
    /// `POST /console/cases/{case_id}/do/escalate`.
    escalate,
    ESCALATE,
    |a| submit_escalate(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/decision`.
    decision,
    DECISION,
    |a| submit_decision(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/reopen`.
    reopen,
    REOPEN,
    |a| submit_reopen(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/close`.
    close,
    CLOSE,
    |a| submit_close(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/cancel`.
    cancel,
    CANCEL,
    |a| submit_cancel(&a)
);

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
    let mut errors = Errors::default();
    let rationale = grounds_field(ui, form, "rationale", &mut errors);
    // Paid by the marketplace at once (and perhaps recovered from the shop), or by the
    // shop, the case waiting for its payment.
    let paid_by = if form.checked("paid_by") {
        Payer::Marketplace
    } else {
        Payer::Merchant
    };
    let recover = form.checked("recover_from_merchant");
    if recover && paid_by == Payer::Merchant {
        errors.add("recover_from_merchant", ui.t("act-decision-recover-alone"));
    }
    let decision = decision_of(a, rationale, paid_by, recover, &mut errors);
    confirmed(ui, form, &mut errors);
    check(errors)?;
    let Some(decision) = decision else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    a.state
        .app()
        .record_decision(&a.principal, a.case_id, a.expected, decision)
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
