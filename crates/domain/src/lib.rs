//! The pure domain of amiable: value types, orders, cases and their decider,
//! events and the timeline hash chain.
//!
//! Nothing in this crate performs IO, spawns tasks or knows about SQL or HTTP.
//! Every value that crosses into it from the outside goes through a checking
//! constructor ("parse, don't validate"), so that past the edge invalid data
//! cannot exist.

pub mod access;
pub mod calendar;
pub mod canonical;
pub mod case;
pub mod contact;
pub mod ids;
pub mod inbound_text;
pub mod law;
pub mod ledger;
pub mod money;
pub mod notify;
#[cfg(feature = "openapi")]
mod openapi;
pub mod order;
pub mod reason;
pub mod returns;
pub mod settings;
pub mod sla;
pub mod sms;
pub mod sniff;
pub mod text;
pub mod timeline;
pub mod validation;

pub use jiff::Timestamp;
