//! The ports: what the use cases need from the world outside, as traits.
//! Their adapters — a PayPal or Stripe gateway, a carrier's web API, and next
//! an SMTP server, an SMS provider, a dispute provider — implement them
//! elsewhere (a connectors crate) and are handed to [`crate::App`]; the
//! local stand-ins here are what the demo and the tests use.

pub mod carrier;
pub mod messaging;
pub mod payments;
