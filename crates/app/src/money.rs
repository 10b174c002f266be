//! Money: refunds (recorded, executed through the payment gateway, settled or
//! failed), exchanges, and an order's ledger.

use crate::cases::chain;
use crate::ports::payments::{GatewayOutcome, PaymentGateway, RefundInstruction};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{
    Actor, CaseEvent, CaseState, Command, Deduction, ExchangeLine, MoneyCommand, MoneyEvent,
    RefundStatus,
};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_domain::ledger::OrderLedger;
use amiable_domain::money::Money;
use amiable_domain::text::Label;
use amiable_store::{CommandError, CommandOutcome, CommandRequest, Store};
use jiff::Timestamp;

// A refund to record (`RefundBody` in the API's document).
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RefundBody))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Without it: what the return calls for (lines back, less fees and deductions, plus the original delivery when due).
    #[serde(default)]
    pub amount: Option<Money>,
    /// Sums kept back, itemised for the buyer.
    #[serde(default)]
    pub deductions: Vec<Deduction>,
    /// The payment provider's reference when the merchant already refunded outside amiable.
    #[serde(default)]
    pub reference: Option<Label>,
    /// Also resolve the case with this refund (default true).
    #[serde(default = "yes")]
    pub resolve: bool,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn yes() -> bool {
    true
}

/// One movement of an order's money.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerLine {
    pub case_id: CaseId,
    pub seq: i64,
    /// `refund`, `refund_released`, `store_credit`, `compensation`, `surcharge`, `due_from_buyer`.
    pub kind: String,
    pub amount: Money,
    pub recorded_at: Timestamp,
}

/// An order's money.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerAnswer {
    pub order_id: OrderId,
    pub balance: OrderLedger,
    /// What can still be refunded or credited: captured − refunded − store credit.
    pub refundable: Money,
    pub entries: Vec<LedgerLine>,
}

impl App {
    /// Records a refund, then executes it through the payment gateway (or records it
    /// as paid outside amiable when a reference is given).
    pub async fn refund(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        request: RefundRequest,
    ) -> Result<CommandOutcome, Error> {
        let gateway = if request.reference.is_some() {
            "manual"
        } else {
            self.gateway().name()
        };
        let command = Command::Money(MoneyCommand::Refund {
            amount: request.amount,
            deductions: request.deductions,
            gateway: Label::parse(gateway).map_err(|_| Error::internal())?,
            resolve: request.resolve,
        });
        let outcome = self
            .execute_for(principal, case_id, Action::MoveMoney, expected, command)
            .await?;
        self.settle_refunds(principal, outcome, request.reference)
            .await
    }

    /// Records an exchange; a price difference owed to the buyer is refunded through the gateway.
    pub async fn exchange(
        &self,
        principal: &Principal,
        case_id: CaseId,
        expected: Option<i64>,
        lines: Vec<ExchangeLine>,
    ) -> Result<CommandOutcome, Error> {
        let command = Command::Money(MoneyCommand::RecordExchange {
            lines,
            gateway: Label::parse(self.gateway().name()).map_err(|_| Error::internal())?,
        });
        let outcome = self
            .execute_for(principal, case_id, Action::MoveMoney, expected, command)
            .await?;
        self.settle_refunds(principal, outcome, None).await
    }

    /// An order's money: its balance and every movement (the caller may read the order).
    pub async fn ledger(
        &self,
        order: &amiable_domain::order::Order,
    ) -> Result<LedgerAnswer, Error> {
        let balance = self
            .store()
            .ledger(order.id)
            .await?
            .unwrap_or_else(|| OrderLedger::new(amiable_store::captured(order)));
        let entries = self
            .store()
            .ledger_rows(order.id)
            .await?
            .into_iter()
            .map(|row| LedgerLine {
                case_id: row.case_id,
                seq: row.seq,
                kind: row.kind,
                amount: row.amount,
                recorded_at: row.recorded_at,
            })
            .collect();
        Ok(LedgerAnswer {
            order_id: order.id,
            refundable: balance.refundable(),
            balance,
            entries,
        })
    }

    /// Settles the refunds a command recorded: with the merchant's reference, or through the gateway.
    pub(crate) async fn settle_refunds(
        &self,
        principal: &Principal,
        outcome: CommandOutcome,
        reference: Option<Label>,
    ) -> Result<CommandOutcome, Error> {
        // Only the refunds this command recorded: an earlier one still pending belongs to the
        // gateway (and its retry job), not to this request's reference.
        let recorded: Vec<u32> = outcome
            .events
            .iter()
            .filter_map(|e| match &e.event {
                CaseEvent::Money(MoneyEvent::RefundRecorded { refund_id, .. }) => Some(*refund_id),
                _ => None,
            })
            .collect();
        let pending: Vec<u32> = outcome
            .state
            .refunds
            .iter()
            .filter(|r| r.status == amiable_domain::case::RefundStatus::Pending)
            .filter(|r| recorded.contains(&r.refund_id))
            .map(|r| r.refund_id)
            .collect();
        if pending.is_empty() {
            return Ok(outcome);
        }
        if let Some(reference) = reference {
            let mut outcome = outcome;
            for refund_id in pending {
                let request = CommandRequest {
                    case_id: outcome.case_id,
                    expected_version: None,
                    command: Command::Money(MoneyCommand::SettleRefund {
                        refund_id,
                        reference: reference.clone(),
                    }),
                    actor: principal.actor(),
                    order_id: None,
                    at: None,
                };
                let settled = self.store().execute(request).await?;
                outcome = chain(outcome, settled);
            }
            return Ok(outcome);
        }
        let before = outcome.version;
        let transaction_id = self
            .store()
            .order(outcome.state.order_id)
            .await?
            .and_then(|o| {
                o.order
                    .payment
                    .map(|p| p.transaction_id.as_str().to_owned())
            });
        if let Err(error) = execute_pending(
            self.store(),
            self.gateway().as_ref(),
            &outcome.state,
            transaction_id,
        )
        .await
        {
            // Recorded and reserved; the refund.execute job retries it.
            tracing::warn!(%error, "refund recorded; the gateway will be retried");
            return Ok(outcome);
        }
        // Answer with everything that happened since the command.
        let Some(record) = self.store().case(outcome.case_id).await? else {
            return Ok(outcome);
        };
        let timeline = self.store().timeline(outcome.case_id).await?;
        let mut outcome = outcome;
        outcome
            .events
            .extend(timeline.into_iter().filter(|e| e.seq > before));
        outcome.version = record.state.version;
        outcome.state = record.state;
        Ok(outcome)
    }
}

fn label(text: &str) -> Label {
    let trimmed: String = text.chars().take(200).collect();
    Label::parse(&trimmed).unwrap_or_else(|_| Label::parse("gateway").expect("a valid label"))
}

/// Executes every pending refund of a case through the gateway and records the
/// outcome. Refunds already settled (by another node or the job) are skipped.
pub async fn execute_pending(
    store: &Store,
    gateway: &dyn PaymentGateway,
    state: &CaseState,
    transaction_id: Option<String>,
) -> Result<(), String> {
    // A refund recorded for another gateway (e.g. `manual`, settled with the merchant's
    // reference) is never sent to this one.
    let pending: Vec<_> = state
        .refunds
        .iter()
        .filter(|r| r.status == RefundStatus::Pending && r.gateway.as_str() == gateway.name())
        .cloned()
        .collect();
    for refund in pending {
        let instruction = RefundInstruction {
            case_id: state.case_id,
            refund_id: refund.refund_id,
            amount: refund.amount,
            transaction_id: transaction_id.clone(),
            idempotency_key: format!("{}/{}", state.case_id, refund.refund_id),
        };
        let outcome = gateway
            .refund(&instruction)
            .await
            .map_err(|e| e.to_string())?;
        let command = match outcome {
            GatewayOutcome::Settled { reference } => Command::Money(MoneyCommand::SettleRefund {
                refund_id: refund.refund_id,
                reference: label(&reference),
            }),
            GatewayOutcome::Failed { error } => Command::Money(MoneyCommand::FailRefund {
                refund_id: refund.refund_id,
                error: label(&error),
            }),
        };
        let request = CommandRequest {
            case_id: state.case_id,
            expected_version: None,
            command,
            actor: Actor::System {
                id: format!("gateway:{}", gateway.name()),
            },
            order_id: None,
            at: None,
        };
        match store.execute(request).await {
            Ok(_) => {}
            // Settled meanwhile by someone else: nothing to do.
            Err(CommandError::Rejected(rejection)) if rejection.code() == "refund.not_pending" => {}
            Err(error) => return Err(error.to_string()),
        }
    }
    Ok(())
}
