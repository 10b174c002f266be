//! Cases: one problem with one order, whatever its kind.
//!
//! A case is event-sourced. [`decide`] turns a command into events or a typed
//! [`Rejection`]; [`CaseState::evolve`] folds events into the current state.
//! Both are pure; the store only appends what `decide` returned.
//!
//! Commands and events come in families, one module each, holding the
//! family's command and event enums, its decider and its fold:
//!
//! | family | commands |
//! |---|---|
//! | [`lifecycle`] | open, resolve, reopen, close, cancel |
//! | [`conversation`] | messages, internal notes, attachments |
//! | [`escalation`] | offers, the escalation ladder, binding decisions |
//! | [`returns`] | authorisation, label, parcel scans, receipt, inspection |
//! | [`money`] | refunds, store credit, exchanges, compensation (within budgets), refund reminders |
//! | [`incident`] | responsibility, late delivery, carrier claim, replacement parcel |
//! | [`mediation`] | private channels, information requests, appeals, consumer mediator |
//! | [`helpdesk`] | assignment, service-level alerts, automation firings, status updates |
//!
//! A new family is a new module, one variant in [`Command`] and [`CaseEvent`],
//! and the arms the compiler then asks for.

pub mod automation;
mod available;
mod command;
pub mod conversation;
mod deadline;
mod decide;
pub mod escalation;
mod event;
mod guards;
pub mod helpdesk;
pub mod incident;
pub mod lifecycle;
pub mod mediation;
mod model;
pub mod money;
pub mod returns;
mod state;

pub use available::{NOT_NOW, Possible, allows, available, probe_takes, probes};
pub use command::{Command, Family};
pub use conversation::{ConversationCommand, ConversationEvent};
pub use deadline::{ResponseTimes, next_deadline};
pub use decide::{Context, Rejection, decide};
pub use escalation::{EscalationCommand, EscalationEvent};
pub use event::{
    CaseEvent, EVENT_SCHEMA_VERSION, EventDecodeError, RecordedEvent, UPCASTERS, Upcaster, upcast,
};
pub use helpdesk::{AlertKey, Assignee, FiredKey, HelpdeskCommand, HelpdeskEvent};
pub use incident::{CarrierClaim, IncidentCommand, IncidentEvent, IncidentProgress, Reshipment};
pub use lifecycle::{LifecycleCommand, LifecycleEvent};
pub use mediation::{
    AppealRecord, ConsumerMediator, InformationRequest, LadderRules, MediationCommand,
    MediationEvent, MediationProgress,
};
pub use model::*;
pub use money::{
    ApprovalStatus, CompensationApproval, CompensationRecord, ExchangeRecord, GoodwillBudget,
    GoodwillContext, MoneyCommand, MoneyEvent, RefundRecord, StoreCreditRecord, ledger_entries,
    money_suggestion,
};
pub use returns::{DeclaredShipment, ParcelScan, ReturnCommand, ReturnEvent, ReturnProgress};
pub use state::{AwaitingPayment, CaseState, Offer, OfferStatus, PAYMENT_DAYS};
