//! A return's steps: authorisation or refusal, the label, parcel scans,
//! receipt and inspection.

use super::*;

const AUTHORISE: ActionForm = ActionForm {
    name: "authorise",
    fields: &[],
    guarded: false,
};

const REFUSE: ActionForm = ActionForm {
    name: "refuse",
    fields: &["ground"],
    guarded: false,
};

const LABEL: ActionForm = ActionForm {
    name: "label",
    fields: &["weight_grams", "parcel_count"],
    guarded: false,
};

const SCAN: ActionForm = ActionForm {
    name: "scan",
    fields: &[],
    guarded: false,
};

const RECEIVE: ActionForm = ActionForm {
    name: "receive",
    fields: &[],
    guarded: false,
};

const INSPECT: ActionForm = ActionForm {
    name: "inspect",
    fields: &[],
    guarded: false,
};

action!(
    /// `POST /console/cases/{case_id}/do/authorise`.
    authorise,
    AUTHORISE,
    |a| submit_authorise(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/refuse`.
    refuse,
    REFUSE,
    |a| submit_refuse(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/label`.
    label,
    LABEL,
    |a| submit_label(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/scan`.
    scan,
    SCAN,
    |a| submit_scan(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/receive`.
    receive,
    RECEIVE,
    |a| submit_receive(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/inspect`.
    inspect,
    INSPECT,
    |a| submit_inspect(&a)
);

async fn submit_authorise(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let state = a.state;
    let principal = &a.principal;
    let case_id = a.case_id;
    let expected = a.expected;
    let form = a.form();
    state
        .app()
        .authorise_return(principal, case_id, expected, form.checked("returnless"))
        .await?;
    Ok("authorised")
}

async fn submit_refuse(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let ground = label_field(ui, form, "ground", &mut errors);
    check(errors)?;
    let Some(ground) = ground else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    run(
        Action::HandleReturn,
        Command::Returns(ReturnCommand::RefuseReturn { ground }),
    )
    .await?;
    Ok("refused")
}

async fn submit_label(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let state = a.state;
    let principal = &a.principal;
    let case_id = a.case_id;
    let expected = a.expected;
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let weight = match form.text("weight_grams") {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(w) if (1..=70_000).contains(&w) => Some(w),
            _ => {
                errors.add("weight_grams", ui.t("error-weight"));
                None
            }
        },
    };
    let parcels = match form.text("parcel_count") {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(n) if (1..=20).contains(&n) => Some(n),
            _ => {
                errors.add("parcel_count", ui.t("error-parcels"));
                None
            }
        },
    };
    check(errors)?;
    state
        .app()
        .issue_label(principal, case_id, expected, weight, parcels)
        .await?;
    Ok("label-issued")
}

async fn submit_scan(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let status = ParcelStatus::parse(form.text("status"));
    if status.is_none() {
        errors.add("status", ui.t("error-choice"));
    }
    let location = optional_label(ui, form, "location", &mut errors);
    check(errors)?;
    let Some(status) = status else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    run(
        Action::HandleReturn,
        Command::Returns(ReturnCommand::RecordParcelScan {
            status,
            scanned_at: Timestamp::now(),
            location,
            carrier_event_id: None,
        }),
    )
    .await?;
    Ok("scan-recorded")
}

async fn submit_receive(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let state = a.state;
    let ui = &a.ui;
    let form = a.form();
    let record = &a.record;
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let progress = record.state.returns.as_ref();
    let order = record_order(state, record).await?;
    let mut lines = Vec::new();
    for line in progress.map(|p| p.lines.as_slice()).unwrap_or_default() {
        let index = index_of(&order, line.line_id.as_str());
        let qty_field = format!("received_{index}");
        let quantity = match form.text(&qty_field).parse::<u32>() {
            Ok(q) => q,
            Err(_) => {
                errors.add(&qty_field, ui.t("error-quantity"));
                continue;
            }
        };
        let condition_field = format!("condition_{index}");
        let Some(condition) = ItemCondition::parse(form.text(&condition_field)) else {
            errors.add(&condition_field, ui.t("error-choice"));
            continue;
        };
        lines.push(ReceivedLine {
            line_id: line.line_id.clone(),
            quantity,
            condition,
            note: optional_label(ui, form, &format!("note_{index}"), &mut errors),
        });
    }
    check(errors)?;
    run(
        Action::HandleReturn,
        Command::Returns(ReturnCommand::ReceiveReturn { lines }),
    )
    .await?;
    Ok("received")
}

async fn submit_inspect(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let state = a.state;
    let ui = &a.ui;
    let form = a.form();
    let record = &a.record;
    let currency = a.currency;
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let progress = record.state.returns.as_ref();
    let order = record_order(state, record).await?;
    let mut lines = Vec::new();
    for line in progress.map(|p| p.received.as_slice()).unwrap_or_default() {
        let index = index_of(&order, line.line_id.as_str());
        let compliant = form.text(&format!("compliant_{index}")) != "no";
        let mut deductions = Vec::new();
        let (label_name, amount_name) = (format!("dlabel_{index}"), format!("damount_{index}"));
        if !form.text(&label_name).is_empty() || !form.text(&amount_name).is_empty() {
            let label = label_field(ui, form, &label_name, &mut errors);
            let amount = amount_field(ui, form, &amount_name, currency, true, &mut errors);
            if let (Some(label), Some(amount)) = (label, amount) {
                deductions.push(Deduction { label, amount });
            }
        }
        lines.push(InspectedLine {
            line_id: line.line_id.clone(),
            compliant,
            deductions,
        });
    }
    check(errors)?;
    run(
        Action::HandleReturn,
        Command::Returns(ReturnCommand::InspectReturn { lines }),
    )
    .await?;
    Ok("inspected")
}
