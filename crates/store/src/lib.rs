//! Persistence for amiable: the case event log with its hash chain, the
//! projections updated in the same transaction, orders, tenants and jobs —
//! on SQLite (default, embedded) or PostgreSQL.
//!
//! SQL lives in this crate only. Both backends run the same statements where
//! the dialects agree (`$n` placeholders work in both); the few differences
//! (`FOR UPDATE`, `SKIP LOCKED`, migrations) are explicit branches.

mod access;
pub mod blobs;
mod console;
mod db;
mod error;
mod events;
mod feedback;
mod helpdesk;
mod idempotency;
mod jobs;
mod notifications;
mod orders;
mod returns;
mod rows;
pub mod search;
pub mod sla;
mod snapshot;
mod tenants;
pub mod testing;
mod webhooks;
mod writer;

pub use access::{ApiKey, NewUser, Session, User};
pub use console::{MAX_SAVED_VIEWS, SavedView, Scorecard};
pub use db::{Backend, DatabaseConfig, Durability, Store};
pub use error::{CommandError, StoreError};
pub use events::{
    CaseCursor, CaseFilter, CaseRecord, CaseSort, CaseSummary, StoredEvent, VerifyProblem,
    VerifyReport,
};
pub use feedback::Feedback;
pub use helpdesk::{AssigneeFilter, MACROS_SEEDED, Macro, Presence, Team};
pub use idempotency::{IdempotencyClaim, RETENTION as IDEMPOTENCY_RETENTION};
pub use jobs::{Job, JobFailure, NewJob};
pub use notifications::{
    Attempt, AttemptOutcome, AttemptResult, Delivery, DeliveryFilter, InboundRecord, NewDelivery,
    OutboxRow, Recorded,
};
pub use orders::{OrderFilter, OrderSummary, UpsertOutcome};
pub use returns::{EffectivePolicy, LedgerRow, PolicyScope, StoredPolicy, captured};
pub use tenants::{Merchant, Operator, SettingsOf};
pub use webhooks::{WebhookEndpoint, WebhookSecret};
pub use writer::{CommandOutcome, CommandRequest};

/// Microseconds since the epoch: how instants are stored.
pub(crate) use amiable_domain::timeline::{from_micros, to_micros};
