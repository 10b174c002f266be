//! An incident's steps: who is responsible, the claim against the carrier and
//! its answer, a replacement parcel and what became of it.

use super::*;
use amiable_domain::case::{ClaimOutcome, IncidentCommand, ReshipmentStatus, Responsibility};
use amiable_domain::order::{Quantity, ShipmentLine};

const RESPONSIBILITY: ActionForm = ActionForm {
    name: "responsibility",
    fields: &["responsible", "grounds"],
    guarded: false,
};

const CARRIER_CLAIM: ActionForm = ActionForm {
    name: "carrier-claim",
    fields: &["carrier", "reference", "amount", "reserves_sent_on"],
    guarded: false,
};

const CLAIM_OUTCOME: ActionForm = ActionForm {
    name: "claim-outcome",
    fields: &["outcome", "recovered"],
    // What the carrier pays back is written in the order's ledger.
    guarded: true,
};

const RESHIP: ActionForm = ActionForm {
    name: "reship",
    fields: &["lines", "carrier", "tracking_number"],
    guarded: false,
};

const RESHIP_SCAN: ActionForm = ActionForm {
    name: "reship-scan",
    fields: &["status"],
    guarded: false,
};

action!(
    /// `POST /console/cases/{case_id}/do/responsibility`.
    responsibility,
    RESPONSIBILITY,
    |a| submit_responsibility(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/carrier-claim`.
    carrier_claim,
    CARRIER_CLAIM,
    |a| submit_carrier_claim(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/claim-outcome`.
    claim_outcome,
    CLAIM_OUTCOME,
    |a| submit_claim_outcome(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/reship`.
    reship,
    RESHIP,
    |a| submit_reship(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/reship-scan`.
    reship_scan,
    RESHIP_SCAN,
    |a| submit_reship_scan(&a)
);

/// Runs an incident command for the signed-in person.
async fn incident(a: &Acting<'_>, command: IncidentCommand) -> Result<(), Failure> {
    a.state
        .app()
        .incident(&a.principal, a.case_id, a.expected, command)
        .await?;
    Ok(())
}

async fn submit_responsibility(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let responsible = Responsibility::parse(form.text("responsible"));
    if responsible.is_none() {
        errors.add("responsible", ui.t("error-choice"));
    }
    let grounds = match Body::parse(form.text("grounds")) {
        Ok(body) => Some(body),
        Err(e) => {
            errors.add_text(
                "grounds",
                &e,
                ui.lang,
                "act-responsibility-grounds-required",
            );
            None
        }
    };
    check(errors)?;
    let (Some(responsible), Some(grounds)) = (responsible, grounds) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    incident(
        a,
        IncidentCommand::DetermineResponsibility {
            responsible,
            grounds,
        },
    )
    .await?;
    Ok("responsibility-set")
}

/// A day typed in a date field (`2026-12-20`), if any.
fn date_field(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<jiff::civil::Date> {
    match form.text(field) {
        "" => None,
        text => match text.parse::<jiff::civil::Date>() {
            Ok(day) => Some(day),
            Err(_) => {
                errors.add(field, ui.t("error-date"));
                None
            }
        },
    }
}

async fn submit_carrier_claim(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let carrier = label_field(ui, form, "carrier", &mut errors);
    let reference = label_field(ui, form, "reference", &mut errors);
    let amount = amount_field(ui, form, "amount", a.currency, true, &mut errors);
    let reserves_sent_on = date_field(ui, form, "reserves_sent_on", &mut errors);
    check(errors)?;
    let (Some(carrier), Some(reference), Some(amount)) = (carrier, reference, amount) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    incident(
        a,
        IncidentCommand::FileCarrierClaim {
            carrier,
            reference,
            amount,
            reserves_sent_on,
        },
    )
    .await?;
    Ok("carrier-claim-filed")
}

async fn submit_claim_outcome(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let outcome = ClaimOutcome::parse(form.text("outcome"));
    if outcome.is_none() {
        errors.add("outcome", ui.t("error-choice"));
    }
    // A refused claim recovers nothing: the amount is only read otherwise.
    let recovered = match outcome {
        Some(ClaimOutcome::Refused) => None,
        _ => amount_field(ui, form, "recovered", a.currency, true, &mut errors),
    };
    check(errors)?;
    let Some(outcome) = outcome else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    incident(
        a,
        IncidentCommand::RecordClaimOutcome { outcome, recovered },
    )
    .await?;
    Ok("claim-outcome-recorded")
}

async fn submit_reship(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let order = record_order(a.state, &a.record).await?;
    let mut lines = Vec::new();
    for (index, line) in order.lines.iter().enumerate() {
        if !form.checked(&format!("reship_{index}")) {
            continue;
        }
        let field = format!("reship_qty_{index}");
        match form
            .text(&field)
            .parse::<i64>()
            .ok()
            .and_then(|q| Quantity::new(q).ok())
        {
            Some(quantity) if quantity.get() <= line.quantity.get() => lines.push(ShipmentLine {
                line_id: line.line_id.clone(),
                quantity,
            }),
            _ => errors.add(&field, ui.t("error-quantity")),
        }
    }
    if lines.is_empty() && !errors.any() {
        errors.add("lines", ui.t("act-reship-choose"));
    }
    let carrier = label_field(ui, form, "carrier", &mut errors);
    let tracking_number = label_field(ui, form, "tracking_number", &mut errors);
    check(errors)?;
    let (Some(carrier), Some(tracking_number)) = (carrier, tracking_number) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    incident(
        a,
        IncidentCommand::Reship {
            lines,
            carrier,
            tracking_number,
        },
    )
    .await?;
    Ok("reshipped")
}

async fn submit_reship_scan(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let status =
        ReshipmentStatus::parse(form.text("status")).filter(|s| *s != ReshipmentStatus::InTransit);
    if status.is_none() {
        errors.add("status", ui.t("error-choice"));
    }
    check(errors)?;
    let Some(status) = status else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    incident(a, IncidentCommand::RecordReshipmentScan { status }).await?;
    Ok(match status {
        ReshipmentStatus::Lost => "reshipment-lost",
        _ => "reshipment-delivered",
    })
}
