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
//! PayPal or Stripe gateway implements the same trait, in a connectors crate.
//! Executing the pending refunds of a case is a use case: [`crate::money`].

use amiable_domain::ids::CaseId;
use amiable_domain::money::Money;
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
