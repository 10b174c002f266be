//! The mediator's private channels and requests for information, the appeal of
//! a decision and its hearing, and the consumer mediator offered at the end.

use super::*;
use amiable_domain::case::{AppealOutcome, MediationCommand, Party, Payer};

const PRIVATE_MESSAGE: ActionForm = ActionForm {
    name: "private-message",
    fields: &["channel", "body"],
    guarded: false,
};

const REQUEST_INFORMATION: ActionForm = ActionForm {
    name: "request-information",
    fields: &["from", "request", "due_at"],
    guarded: false,
};

const APPEAL: ActionForm = ActionForm {
    name: "appeal",
    fields: &["grounds"],
    guarded: false,
};

const DECIDE_APPEAL: ActionForm = ActionForm {
    name: "decide-appeal",
    fields: &[
        "appeal", "grounds", "outcome", "kind", "amount", "note", "cites",
    ],
    // An allowed appeal may release what the merchant owed the marketplace.
    guarded: true,
};

const CONSUMER_MEDIATION: ActionForm = ActionForm {
    name: "consumer-mediation",
    fields: &[],
    guarded: false,
};

action!(
    /// `POST /console/cases/{case_id}/do/private-message`.
    private_message,
    PRIVATE_MESSAGE,
    |a| submit_private_message(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/request-information`.
    request_information,
    REQUEST_INFORMATION,
    |a| submit_request_information(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/appeal`.
    appeal,
    APPEAL,
    |a| submit_appeal(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/decide-appeal`.
    decide_appeal,
    DECIDE_APPEAL,
    |a| submit_decide_appeal(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/consumer-mediation`.
    consumer_mediation,
    CONSUMER_MEDIATION,
    |a| submit_consumer_mediation(&a)
);

/// Runs a mediation command for the signed-in person.
async fn mediation(a: &Acting<'_>, command: MediationCommand) -> Result<(), Failure> {
    a.state
        .app()
        .mediation(&a.principal, a.case_id, a.expected, command)
        .await?;
    Ok(())
}

/// The private channel a form names: the mediator chooses it, a party writes in its own.
fn channel_of(a: &Acting<'_>, errors: &mut Errors) -> Option<Party> {
    match a.principal.actor().party() {
        Party::Operator => match Party::parse(a.form().text("channel")) {
            Some(channel @ (Party::Buyer | Party::Merchant)) => Some(channel),
            _ => {
                errors.add("channel", a.ui.t("error-choice"));
                None
            }
        },
        party => Some(party),
    }
}

async fn submit_private_message(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let channel = channel_of(a, &mut errors);
    let body = match Body::parse(form.text("body")) {
        Ok(body) => Some(body),
        Err(e) => {
            errors.add_text("body", &e, ui.lang, "message-empty");
            None
        }
    };
    check(errors)?;
    let (Some(channel), Some(body)) = (channel, body) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    mediation(a, MediationCommand::PostPrivateMessage { channel, body }).await?;
    Ok("private-message-sent")
}

/// A deadline typed in a `datetime-local` field, in the staff member's zone.
fn due_field(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Timestamp> {
    let parsed = form
        .text(field)
        .parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|at| at.to_zoned(ui.zone.clone()).ok())
        .map(|at| at.timestamp());
    if parsed.is_none() {
        errors.add(field, ui.t("act-request-due-invalid"));
    }
    parsed
}

async fn submit_request_information(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let from = match Party::parse(form.text("from")) {
        Some(party @ (Party::Buyer | Party::Merchant)) => Some(party),
        _ => {
            errors.add("from", ui.t("error-choice"));
            None
        }
    };
    let request = match Body::parse(form.text("request")) {
        Ok(body) => Some(body),
        Err(e) => {
            errors.add_text("request", &e, ui.lang, "act-request-required");
            None
        }
    };
    let due_at = due_field(ui, form, "due_at", &mut errors);
    check(errors)?;
    let (Some(from), Some(request), Some(due_at)) = (from, request, due_at) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    mediation(
        a,
        MediationCommand::RequestInformation {
            from,
            request,
            due_at,
        },
    )
    .await?;
    Ok("information-requested")
}

async fn submit_appeal(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let grounds = body_field(ui, form, "grounds", &mut errors);
    check(errors)?;
    let Some(grounds) = grounds else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    mediation(a, MediationCommand::Appeal { grounds }).await?;
    Ok("appealed-staff")
}

async fn submit_decide_appeal(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let outcome = AppealOutcome::parse(form.text("appeal"));
    if outcome.is_none() {
        errors.add("appeal", ui.t("error-choice"));
    }
    let grounds = grounds_field(ui, form, "grounds", &mut errors);
    // Allowed, the appeal gives the new decision, carried out by the merchant; its
    // grounds are the hearing's.
    let decision = match outcome {
        Some(AppealOutcome::Allowed) => {
            decision_of(a, grounds.clone(), Payer::Merchant, false, &mut errors)
        }
        _ => None,
    };
    check(errors)?;
    let (Some(outcome), Some(grounds)) = (outcome, grounds) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    mediation(
        a,
        MediationCommand::DecideAppeal {
            outcome,
            grounds,
            decision,
        },
    )
    .await?;
    Ok(match outcome {
        AppealOutcome::Dismissed => "appeal-dismissed",
        AppealOutcome::Allowed => "appeal-allowed",
    })
}

async fn submit_consumer_mediation(a: &Acting<'_>) -> Result<&'static str, Failure> {
    mediation(a, MediationCommand::OfferConsumerMediation).await?;
    Ok("consumer-mediation-offered")
}
