//! The checks every family of commands shares: who may send a command, in
//! which status, and whether the terms of a resolution hold together.
//!
//! A family's own checks (the return's stage, the order's ledger) live with
//! the family; what two families need lives here, once.

use super::decide::Rejection;
use super::model::*;
use super::state::CaseState;
use crate::money::Money;
use crate::validation::FieldError;

/// A refusal of one field of the command, with its stable code.
pub(super) fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Rejection {
    Rejection::Invalid(FieldError::new(field, code, message))
}

/// Refuses a command (named `command`) from a party not in `allowed`.
pub(super) fn require_party(
    command: &'static str,
    party: Party,
    allowed: &[Party],
) -> Result<(), Rejection> {
    if allowed.contains(&party) {
        Ok(())
    } else {
        Err(Rejection::PartyNotAllowed { command, party })
    }
}

/// Refuses a command (named `command`) on a case whose status is not in `allowed`.
pub(super) fn require_status(
    command: &'static str,
    state: &CaseState,
    allowed: &[CaseStatus],
) -> Result<(), Rejection> {
    if allowed.contains(&state.status) {
        Ok(())
    } else {
        Err(Rejection::InvalidStatus {
            command,
            status: state.status,
        })
    }
}

/// An amount must be positive, in the order's currency and, when `capped`, at most the order total.
pub(super) fn check_amount(
    amount: &Money,
    order_total: &Money,
    field: &str,
    capped: bool,
) -> Result<(), Rejection> {
    if amount.currency != order_total.currency {
        return Err(invalid(
            &format!("{field}.currency"),
            "money.currency_mismatch",
            format!("must be in {}, the order's currency", order_total.currency),
        )
        .with("currency", order_total.currency.code()));
    }
    if !amount.is_positive() {
        return Err(invalid(
            &format!("{field}.amount_minor"),
            "money.not_positive",
            "must be greater than zero",
        ));
    }
    if capped && amount.amount_minor > order_total.amount_minor {
        return Err(invalid(
            &format!("{field}.amount_minor"),
            "case.amount_exceeds_order",
            format!("must not exceed the order total of {order_total}"),
        )
        .with("total", *order_total));
    }
    Ok(())
}

/// The terms of an offer, a resolution or a decision must hold together.
pub(super) fn check_terms(
    terms: &Resolution,
    state: &CaseState,
    field: &str,
) -> Result<(), Rejection> {
    match (&terms.amount, terms.kind.requires_amount()) {
        (None, true) => {
            return Err(invalid(
                &format!("{field}.amount"),
                "resolution.amount_required",
                "this resolution needs an amount",
            ));
        }
        (Some(amount), _) => {
            if matches!(
                terms.kind,
                ResolutionKind::Refusal | ResolutionKind::Withdrawn
            ) {
                return Err(invalid(
                    &format!("{field}.amount"),
                    "resolution.amount_not_allowed",
                    "no amount for this resolution",
                ));
            }
            // Refunds and gestures are paid from what the order was worth (a gesture that
            // could never be paid must not be agreed); store credit may go beyond it.
            check_amount(
                amount,
                &state.order_total,
                &format!("{field}.amount"),
                terms.kind.is_refund() || terms.kind == ResolutionKind::Goodwill,
            )?;
        }
        (None, false) => {}
    }
    if terms.bonus_percent.is_some() && terms.kind != ResolutionKind::StoreCredit {
        return Err(invalid(
            &format!("{field}.bonus_percent"),
            "resolution.bonus_only_for_store_credit",
            "only store credit has a bonus",
        ));
    }
    if terms.bonus_percent.is_some_and(|b| b > 100) {
        return Err(invalid(
            &format!("{field}.bonus_percent"),
            "resolution.bonus_too_large",
            "must be between 0 and 100",
        ));
    }
    match (terms.kind, terms.goodwill) {
        (ResolutionKind::Goodwill, None) => {
            return Err(invalid(
                &format!("{field}.goodwill"),
                "resolution.goodwill_kind_required",
                "voucher, shipping_refund or gift",
            ));
        }
        (kind, Some(_)) if kind != ResolutionKind::Goodwill => {
            return Err(invalid(
                &format!("{field}.goodwill"),
                "resolution.goodwill_only_for_goodwill",
                "only a goodwill gesture has a goodwill kind",
            ));
        }
        _ => {}
    }
    if terms.kind == ResolutionKind::Refusal && terms.note.is_none() {
        return Err(invalid(
            &format!("{field}.note"),
            "resolution.ground_required",
            "a refusal states its ground",
        ));
    }
    Ok(())
}
