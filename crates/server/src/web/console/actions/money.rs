//! Refunds (and their settlement), store credit, exchanges and goodwill.

use super::*;

const REFUND: ActionForm = ActionForm {
    name: "refund",
    fields: &["amount", "reference"],
    guarded: true,
};

const SETTLE: ActionForm = ActionForm {
    name: "settle",
    fields: &[],
    guarded: true,
};

const FAIL: ActionForm = ActionForm {
    name: "fail",
    fields: &[],
    guarded: true,
};

const STORE_CREDIT: ActionForm = ActionForm {
    name: "store-credit",
    fields: &["amount", "bonus_percent"],
    guarded: true,
};

const EXCHANGE: ActionForm = ActionForm {
    name: "exchange",
    fields: &[],
    guarded: true,
};

const COMPENSATE: ActionForm = ActionForm {
    name: "compensate",
    fields: &["amount", "note", "kind"],
    guarded: true,
};

const APPROVE_GESTURE: ActionForm = ActionForm {
    name: "approve-gesture",
    fields: &[],
    guarded: true,
};

const DECLINE_GESTURE: ActionForm = ActionForm {
    name: "decline-gesture",
    fields: &["reason"],
    guarded: true,
};

action!(
    /// `POST /console/cases/{case_id}/do/approve-gesture`.
    approve_gesture,
    APPROVE_GESTURE,
    |a| answer_gesture(&a, true)
);

action!(
    /// `POST /console/cases/{case_id}/do/decline-gesture`.
    decline_gesture,
    DECLINE_GESTURE,
    |a| answer_gesture(&a, false)
);

action!(
    /// `POST /console/cases/{case_id}/do/refund`.
    refund,
    REFUND,
    |a| submit_refund(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/settle`.
    settle,
    SETTLE,
    |a| settle_or_fail(&a, "settle")
);

action!(
    /// `POST /console/cases/{case_id}/do/fail`.
    fail,
    FAIL,
    |a| settle_or_fail(&a, "fail")
);

action!(
    /// `POST /console/cases/{case_id}/do/store-credit`.
    store_credit,
    STORE_CREDIT,
    |a| submit_store_credit(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/exchange`.
    exchange,
    EXCHANGE,
    |a| submit_exchange(&a)
);

action!(
    /// `POST /console/cases/{case_id}/do/compensate`.
    compensate,
    COMPENSATE,
    |a| submit_compensate(&a)
);

async fn submit_refund(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let state = a.state;
    let principal = &a.principal;
    let case_id = a.case_id;
    let expected = a.expected;
    let ui = &a.ui;
    let form = a.form();
    let currency = a.currency;
    let mut errors = Errors::default();
    let amount = amount_field(ui, form, "amount", currency, false, &mut errors);
    let deductions = deductions(ui, form, "deduction_", currency, &mut errors);
    let reference = optional_label(ui, form, "reference", &mut errors);
    confirmed(ui, form, &mut errors);
    check(errors)?;
    state
        .app()
        .refund(
            principal,
            case_id,
            expected,
            RefundBody {
                amount,
                deductions,
                reference,
                resolve: !form.checked("keep_open"),
                expected_version: None,
            },
        )
        .await?;
    Ok("refunded")
}

async fn settle_or_fail(a: &Acting<'_>, action: &str) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let refund_id: u32 = form
        .text("refund_id")
        .parse()
        .map_err(|_| WebError::not_found())?;
    let text = label_field(ui, form, "reference", &mut errors);
    check(errors)?;
    let Some(text) = text else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    let command = if action == "settle" {
        Command::Money(MoneyCommand::SettleRefund {
            refund_id,
            reference: text,
        })
    } else {
        Command::Money(MoneyCommand::FailRefund {
            refund_id,
            error: text,
        })
    };
    run(Action::MoveMoney, command).await?;
    Ok(if action == "settle" {
        "refund-settled"
    } else {
        "refund-failed"
    })
}

async fn submit_store_credit(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let currency = a.currency;
    let mut errors = Errors::default();
    let run = |action: Action, command: Command| a.run(action, command);
    let amount = amount_field(ui, form, "amount", currency, false, &mut errors);
    let bonus = match form.text("bonus_percent") {
        "" => None,
        text => match text.parse::<u8>() {
            Ok(b) if b <= 100 => Some(b),
            _ => {
                errors.add("bonus_percent", ui.t("error-percent"));
                None
            }
        },
    };
    confirmed(ui, form, &mut errors);
    check(errors)?;
    run(
        Action::MoveMoney,
        Command::Money(MoneyCommand::IssueStoreCredit {
            amount,
            bonus_percent: bonus,
            resolve: true,
        }),
    )
    .await?;
    Ok("store-credit-issued")
}

async fn submit_exchange(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let state = a.state;
    let principal = &a.principal;
    let case_id = a.case_id;
    let expected = a.expected;
    let ui = &a.ui;
    let form = a.form();
    let record = &a.record;
    let currency = a.currency;
    let mut errors = Errors::default();
    let order = record_order(state, record).await?;
    let mut lines = Vec::new();
    // A return's lines, or the items of another kind of case.
    let exchangeable: Vec<(amiable_domain::ids::LineId, amiable_domain::order::Quantity)> =
        match &record.state.returns {
            Some(p) => p
                .lines
                .iter()
                .map(|l| (l.line_id.clone(), l.quantity))
                .collect(),
            None => record
                .state
                .items
                .iter()
                .map(|i| (i.line_id.clone(), i.quantity))
                .collect(),
        };
    for (line_id, quantity) in &exchangeable {
        let index = index_of(&order, line_id.as_str());
        if !form.checked(&format!("exchange_{index}")) {
            continue;
        }
        let sku = label_field(ui, form, &format!("sku_{index}"), &mut errors);
        let title = label_field(ui, form, &format!("title_{index}"), &mut errors);
        let price = amount_field(
            ui,
            form,
            &format!("price_{index}"),
            currency,
            true,
            &mut errors,
        );
        if let (Some(sku), Some(title), Some(unit_price)) = (sku, title, price) {
            lines.push(ExchangeLine {
                line_id: line_id.clone(),
                quantity: *quantity,
                sku,
                title,
                unit_price,
            });
        }
    }
    if lines.is_empty() && !errors.any() {
        errors.add_general(ui.t("exchange-choose"));
    }
    confirmed(ui, form, &mut errors);
    check(errors)?;
    state
        .app()
        .exchange(principal, case_id, expected, lines)
        .await?;
    Ok("exchanged")
}

async fn submit_compensate(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let currency = a.currency;
    let mut errors = Errors::default();
    let kind = GoodwillKind::parse(form.text("kind"));
    if kind.is_none() {
        errors.add("kind", ui.t("error-choice"));
    }
    let amount = amount_field(ui, form, "amount", currency, true, &mut errors);
    let note = optional_label(ui, form, "note", &mut errors);
    confirmed(ui, form, &mut errors);
    check(errors)?;
    let (Some(kind), Some(amount)) = (kind, amount) else {
        return Err(Failure::Invalid(Invalid(Errors::default())));
    };
    let outcome = a
        .state
        .app()
        .compensate(
            &a.principal,
            a.case_id,
            a.expected,
            amiable_app::disputes::Gesture {
                kind,
                amount,
                note,
                resolve: form.checked("resolve"),
                request_approval: form.checked("request_approval"),
            },
        )
        .await?;
    // Above the shop's threshold or beyond its budget, the gesture waits for an approver.
    let requested = outcome.events.iter().any(|e| {
        matches!(
            e.event,
            amiable_domain::case::CaseEvent::Money(
                amiable_domain::case::MoneyEvent::CompensationApprovalRequested { .. }
            )
        )
    });
    Ok(if requested {
        "approval-requested"
    } else {
        "compensated"
    })
}

/// Approves a gesture waiting for approval, or declines it with a reason.
async fn answer_gesture(a: &Acting<'_>, approve: bool) -> Result<&'static str, Failure> {
    let ui = &a.ui;
    let form = a.form();
    let approval_id: u32 = form
        .text("approval_id")
        .parse()
        .map_err(|_| WebError::not_found())?;
    let mut errors = Errors::default();
    let reason = if approve {
        None
    } else {
        label_field(ui, form, "reason", &mut errors)
    };
    check(errors)?;
    a.state
        .app()
        .answer_gesture(&a.principal, a.case_id, a.expected, approval_id, reason)
        .await?;
    Ok(if approve {
        "gesture-approved"
    } else {
        "gesture-declined"
    })
}
