//! The payment gateway port: how a recorded refund reaches the buyer's money.
//!
//! A refund is first recorded on the case (which reserves it in the order's
//! ledger, so two refunds can never give back more than was captured), then
//! executed through a [`PaymentGateway`], then settled (or failed, which
//! releases the amount). The API executes at once; the `refund.execute` job
//! retries whatever a crash or an outage left pending. Gateways are asked
//! with an idempotency key per refund, so a retry never pays twice.
//!
//! This build ships the [`RecordingGateway`]: the merchant refunds outside
//! amiable (back office of the PSP, bank transfer) and amiable records it. A
//! PayPal or Stripe gateway implements the same trait (issue 8).

use amiable_domain::case::MoneyCommand;
use amiable_domain::case::{Actor, CaseState, Command, RefundStatus};
use amiable_domain::ids::CaseId;
use amiable_domain::money::Money;
use amiable_domain::text::Label;
use amiable_store::{CommandError, CommandRequest, Store};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// What a gateway is asked to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundInstruction {
    pub case_id: CaseId,
    pub refund_id: u32,
    pub amount: Money,
    /// The payment to refund (provider's transaction or capture id), when known.
    pub transaction_id: Option<String>,
    /// Stable per refund: `<case id>/<refund id>`.
    pub idempotency_key: String,
}

/// The gateway's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayOutcome {
    Settled {
        reference: String,
    },
    /// Refused for good (card expired, account closed…): the amount is released.
    Failed {
        error: String,
    },
}

/// A failure worth retrying (timeout, outage).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payment gateway unavailable: {0}")]
pub struct GatewayUnavailable(pub String);

pub type GatewayFuture<'a> =
    Pin<Box<dyn Future<Output = Result<GatewayOutcome, GatewayUnavailable>> + Send + 'a>>;

/// Executes refunds. Object-safe so the server holds an `Arc<dyn PaymentGateway>`.
pub trait PaymentGateway: Send + Sync {
    /// The name recorded on each refund (`manual`, `paypal`, `stripe`…).
    fn name(&self) -> &'static str;
    fn refund(&self, instruction: &RefundInstruction) -> GatewayFuture<'_>;
}

/// Refunds made outside amiable, recorded here: settles each instruction at
/// once with a reference, and answers a repeated key with the first answer.
#[derive(Default)]
pub struct RecordingGateway {
    recorded: Mutex<HashMap<String, (RefundInstruction, GatewayOutcome)>>,
}

impl RecordingGateway {
    /// Every instruction received, once per idempotency key.
    pub fn instructions(&self) -> Vec<RefundInstruction> {
        let recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<_> = recorded.values().map(|(i, _)| i.clone()).collect();
        all.sort_by(|a, b| a.idempotency_key.cmp(&b.idempotency_key));
        all
    }
}

impl PaymentGateway for RecordingGateway {
    fn name(&self) -> &'static str {
        "manual"
    }

    fn refund(&self, instruction: &RefundInstruction) -> GatewayFuture<'_> {
        let instruction = instruction.clone();
        Box::pin(async move {
            let mut recorded = self.recorded.lock().unwrap_or_else(|e| e.into_inner());
            let entry = recorded
                .entry(instruction.idempotency_key.clone())
                .or_insert_with(|| {
                    let reference = format!(
                        "manual-{}-{}",
                        &instruction.case_id.to_string()[..8],
                        instruction.refund_id
                    );
                    (instruction, GatewayOutcome::Settled { reference })
                });
            Ok(entry.1.clone())
        })
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
