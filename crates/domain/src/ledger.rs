//! The money of one order: what was captured, and what went back to the buyer
//! as refunds, store credit and compensation, across all of the order's cases.
//!
//! The ledger is a projection of the cases' money events ([`entries`]). The
//! store keeps one balance row per order and changes it in the transaction
//! that appends the event, after the decider checked the command against it:
//! a refund can never exceed what remains refundable, even when two cases of
//! the same order refund at the same instant (the balance row is the lock).

use crate::case::{CaseEvent, CaseState, IncidentEvent, MediationEvent, MoneyEvent};
use crate::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};

/// An order's money, in the order's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLedger {
    /// What the buyer paid (the payment's capture, or the order total).
    pub captured: Money,
    /// Refunds recorded, pending or settled (a failed refund is released).
    pub refunded: Money,
    /// Store credit issued in place of a refund (the bonus is not counted here).
    pub store_credit: Money,
    /// Bonuses added to store credit.
    pub store_credit_bonus: Money,
    /// Goodwill compensation: vouchers, shipping refunds, gifts.
    pub compensation: Money,
    /// Late-refund surcharges due by law (C. conso L242-4).
    pub surcharge_due: Money,
    /// Price differences the buyer owes for exchanges.
    pub due_from_buyer: Money,
    /// What the marketplace paid the buyer on a decision (refunds and gestures it funded).
    pub marketplace_paid: Money,
    /// What the merchant owes the marketplace for decisions it paid and recovers.
    pub due_from_merchant: Money,
    /// What carriers paid the merchant back on claims: the merchant's money, never the buyer's.
    pub carrier_recovered: Money,
}

/// One change to a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LedgerEntry {
    Refund {
        amount: Money,
    },
    /// A refund the gateway refused: the amount is refundable again.
    RefundReleased {
        amount: Money,
    },
    /// The surcharge of a refund that failed: owed again with the next refund.
    SurchargeReleased {
        amount: Money,
    },
    StoreCredit {
        amount: Money,
        bonus: Money,
    },
    Compensation {
        amount: Money,
    },
    Surcharge {
        amount: Money,
    },
    DueFromBuyer {
        amount: Money,
    },
    /// The marketplace paid the buyer on a decision.
    MarketplacePaid {
        amount: Money,
    },
    /// The merchant owes the marketplace what it paid (a recovery).
    DueFromMerchant {
        amount: Money,
    },
    /// A recovery set aside (the merchant won on appeal).
    RecoveryWaived {
        amount: Money,
    },
    /// A carrier paid a claim back to the merchant.
    CarrierRecovered {
        amount: Money,
    },
}

impl LedgerEntry {
    /// A stable name, for the ledger's rows.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerEntry::Refund { .. } => "refund",
            LedgerEntry::RefundReleased { .. } => "refund_released",
            LedgerEntry::StoreCredit { .. } => "store_credit",
            LedgerEntry::Compensation { .. } => "compensation",
            LedgerEntry::Surcharge { .. } => "surcharge",
            LedgerEntry::SurchargeReleased { .. } => "surcharge_released",
            LedgerEntry::DueFromBuyer { .. } => "due_from_buyer",
            LedgerEntry::MarketplacePaid { .. } => "marketplace_paid",
            LedgerEntry::DueFromMerchant { .. } => "due_from_merchant",
            LedgerEntry::RecoveryWaived { .. } => "recovery_waived",
            LedgerEntry::CarrierRecovered { .. } => "carrier_recovered",
        }
    }

    /// The amount the row shows.
    pub fn amount(&self) -> Money {
        match *self {
            LedgerEntry::Refund { amount }
            | LedgerEntry::RefundReleased { amount }
            | LedgerEntry::Compensation { amount }
            | LedgerEntry::Surcharge { amount }
            | LedgerEntry::SurchargeReleased { amount }
            | LedgerEntry::DueFromBuyer { amount }
            | LedgerEntry::MarketplacePaid { amount }
            | LedgerEntry::DueFromMerchant { amount }
            | LedgerEntry::RecoveryWaived { amount }
            | LedgerEntry::CarrierRecovered { amount } => amount,
            LedgerEntry::StoreCredit { amount, .. } => amount,
        }
    }
}

/// Why a ledger change cannot apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("the amount is more than the {refundable} still refundable")]
    ExceedsRefundable { refundable: Money },
    #[error("the amount is not in the order's currency")]
    Currency,
    #[error("the amount must be greater than zero")]
    NotPositive,
    #[error("amounts overflow")]
    Overflow,
}

impl From<MoneyError> for LedgerError {
    fn from(error: MoneyError) -> Self {
        match error {
            MoneyError::CurrencyMismatch { .. } => LedgerError::Currency,
            _ => LedgerError::Overflow,
        }
    }
}

impl OrderLedger {
    pub fn new(captured: Money) -> Self {
        let zero = Money::zero(captured.currency);
        OrderLedger {
            captured,
            refunded: zero,
            store_credit: zero,
            store_credit_bonus: zero,
            compensation: zero,
            surcharge_due: zero,
            due_from_buyer: zero,
            marketplace_paid: zero,
            due_from_merchant: zero,
            carrier_recovered: zero,
        }
    }

    pub fn currency(&self) -> Currency {
        self.captured.currency
    }

    /// What can still be given back instead of the goods: captured − refunded − store credit.
    pub fn refundable(&self) -> Money {
        let used = self
            .refunded
            .amount_minor
            .saturating_add(self.store_credit.amount_minor);
        Money::new(
            self.captured.amount_minor.saturating_sub(used).max(0),
            self.captured.currency,
        )
    }

    /// Applies one entry, refusing what would give back more than was captured.
    pub fn apply(&mut self, entry: &LedgerEntry) -> Result<(), LedgerError> {
        let amount = entry.amount();
        if amount.currency != self.currency() {
            return Err(LedgerError::Currency);
        }
        if !amount.is_positive() {
            return Err(LedgerError::NotPositive);
        }
        let refundable = self.refundable();
        let over = |amount: Money| amount.amount_minor > refundable.amount_minor;
        match *entry {
            LedgerEntry::Refund { amount } => {
                if over(amount) {
                    return Err(LedgerError::ExceedsRefundable { refundable });
                }
                self.refunded = self.refunded.checked_add(amount)?;
            }
            LedgerEntry::RefundReleased { amount } => {
                let released = self.refunded.checked_sub(amount)?;
                if released.amount_minor < 0 {
                    return Err(LedgerError::Overflow);
                }
                self.refunded = released;
            }
            LedgerEntry::StoreCredit { amount, bonus } => {
                if over(amount) {
                    return Err(LedgerError::ExceedsRefundable { refundable });
                }
                if bonus.currency != self.currency() || bonus.amount_minor < 0 {
                    return Err(LedgerError::Currency);
                }
                self.store_credit = self.store_credit.checked_add(amount)?;
                self.store_credit_bonus = self.store_credit_bonus.checked_add(bonus)?;
            }
            LedgerEntry::Compensation { amount } => {
                self.compensation = self.compensation.checked_add(amount)?;
            }
            LedgerEntry::Surcharge { amount } => {
                self.surcharge_due = self.surcharge_due.checked_add(amount)?;
            }
            LedgerEntry::SurchargeReleased { amount } => {
                let released = self.surcharge_due.checked_sub(amount)?;
                if released.amount_minor < 0 {
                    return Err(LedgerError::Overflow);
                }
                self.surcharge_due = released;
            }
            LedgerEntry::DueFromBuyer { amount } => {
                self.due_from_buyer = self.due_from_buyer.checked_add(amount)?;
            }
            LedgerEntry::MarketplacePaid { amount } => {
                self.marketplace_paid = self.marketplace_paid.checked_add(amount)?;
            }
            LedgerEntry::DueFromMerchant { amount } => {
                self.due_from_merchant = self.due_from_merchant.checked_add(amount)?;
            }
            LedgerEntry::RecoveryWaived { amount } => {
                let left = self.due_from_merchant.checked_sub(amount)?;
                if left.amount_minor < 0 {
                    return Err(LedgerError::Overflow);
                }
                self.due_from_merchant = left;
            }
            LedgerEntry::CarrierRecovered { amount } => {
                self.carrier_recovered = self.carrier_recovered.checked_add(amount)?;
            }
        }
        Ok(())
    }
}

/// The ledger entries an event makes. `before` is the case as it was, for
/// events that refer to an earlier one (a failed refund releases its amount).
pub fn entries(before: Option<&CaseState>, event: &CaseEvent) -> Vec<LedgerEntry> {
    match event {
        CaseEvent::Money(event) => money_entries(before, event),
        // What a carrier pays back is the merchant's, recorded apart from the buyer's money.
        CaseEvent::Incident(IncidentEvent::CarrierClaimSettled { recovered, .. })
            if recovered.is_positive() =>
        {
            vec![LedgerEntry::CarrierRecovered { amount: *recovered }]
        }
        CaseEvent::Mediation(MediationEvent::AppealDecided {
            recovery_waived: Some(amount),
            ..
        }) if amount.is_positive() => vec![LedgerEntry::RecoveryWaived { amount: *amount }],
        CaseEvent::Lifecycle(_)
        | CaseEvent::Conversation(_)
        | CaseEvent::Escalation(_)
        | CaseEvent::Returns(_)
        | CaseEvent::Incident(_)
        | CaseEvent::Mediation(_)
        | CaseEvent::Helpdesk(_) => Vec::new(),
    }
}

fn money_entries(before: Option<&CaseState>, event: &MoneyEvent) -> Vec<LedgerEntry> {
    match event {
        MoneyEvent::RefundRecorded { amount, late, .. } => {
            let mut entries = vec![LedgerEntry::Refund { amount: *amount }];
            if let Some(late) = late
                && let crate::law::refund::Surcharge::Percent { amount, .. } = late.surcharge
                && amount.is_positive()
            {
                entries.push(LedgerEntry::Surcharge { amount });
            }
            entries
        }
        // Settled later than recorded: the surcharge owed grows by the difference.
        MoneyEvent::RefundSettled {
            refund_id,
            late: Some(late),
            ..
        } => {
            let percent = |late: Option<&crate::case::LateRefund>| match late.map(|l| l.surcharge) {
                Some(crate::law::refund::Surcharge::Percent { amount, .. }) => amount.amount_minor,
                _ => 0,
            };
            let before = before
                .and_then(|s| s.refunds.iter().find(|r| r.refund_id == *refund_id))
                .and_then(|r| r.late.as_ref());
            let more = percent(Some(late)) - percent(before);
            match late.surcharge {
                crate::law::refund::Surcharge::Percent { amount, .. } if more > 0 => {
                    vec![LedgerEntry::Surcharge {
                        amount: Money::new(more, amount.currency),
                    }]
                }
                _ => Vec::new(),
            }
        }
        MoneyEvent::RefundFailed { refund_id, .. } => before
            .and_then(|s| s.refunds.iter().find(|r| r.refund_id == *refund_id))
            .map(|r| {
                let mut entries = vec![LedgerEntry::RefundReleased { amount: r.amount }];
                if let Some(late) = &r.late
                    && let crate::law::refund::Surcharge::Percent { amount, .. } = late.surcharge
                    && amount.is_positive()
                {
                    entries.push(LedgerEntry::SurchargeReleased { amount });
                }
                entries
            })
            .unwrap_or_default(),
        MoneyEvent::StoreCreditIssued { amount, bonus } => vec![LedgerEntry::StoreCredit {
            amount: *amount,
            bonus: *bonus,
        }],
        MoneyEvent::CompensationRecorded { amount, .. } => {
            vec![LedgerEntry::Compensation { amount: *amount }]
        }
        MoneyEvent::MarketplacePaid {
            amount,
            recovered_from_merchant,
        } => {
            let mut entries = vec![LedgerEntry::MarketplacePaid { amount: *amount }];
            if *recovered_from_merchant {
                entries.push(LedgerEntry::DueFromMerchant { amount: *amount });
            }
            entries
        }
        MoneyEvent::ExchangeRecorded { difference, .. } if difference.is_positive() => {
            vec![LedgerEntry::DueFromBuyer {
                amount: *difference,
            }]
        }
        // Settled on time, an exchange the buyer owes nothing for, a reminder: no money moves.
        MoneyEvent::RefundSettled { late: None, .. }
        | MoneyEvent::ExchangeRecorded { .. }
        | MoneyEvent::ReminderSent { .. }
        | MoneyEvent::CompensationApprovalRequested { .. }
        | MoneyEvent::CompensationDeclined { .. } => Vec::new(),
    }
}
