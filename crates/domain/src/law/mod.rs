//! The France/EU rules that a policy cannot undercut, each citing its
//! article (docs/RULES.md). Pure: dates in, dated answers out.

pub mod conformity;
pub mod refund;
pub mod withdrawal;
