//! Cases: one problem with one order, whatever its kind.
//!
//! A case is event-sourced. [`decide`] turns a command into events or a typed
//! [`Rejection`]; [`CaseState::evolve`] folds events into the current state.
//! Both are pure; the store only appends what `decide` returned.

pub mod automation;
mod available;
mod deadline;
mod decide;
mod decide_returns;
mod event;
mod model;
mod state;

pub use available::{NOT_NOW, Possible, allows, available, probe_takes, probes};
pub use deadline::{ResponseTimes, next_deadline};
pub use decide::{Command, Context, Rejection, decide};
pub use decide_returns::ledger_entries;
pub use event::{CaseEvent, EVENT_SCHEMA_VERSION, EventDecodeError, RecordedEvent};
pub use model::*;
pub use state::{
    CaseState, CompensationRecord, ExchangeRecord, Offer, OfferStatus, ParcelScan, RefundRecord,
    ReturnProgress, StoreCreditRecord,
};
