//! The decider: a command and the current state give events, or a rejection.
//!
//! [`decide`] only dispatches: each family of commands is decided in its own
//! module (lifecycle, conversation, escalation, returns, money), with the
//! guards they share in `guards`.

use super::command::Command;
use super::event::CaseEvent;
use super::model::*;
use super::state::CaseState;
use super::{conversation, escalation, helpdesk, incident, lifecycle, mediation, money, returns};
use crate::order::Order;
use crate::reason::ReasonTaxonomy;
use jiff::Timestamp;

/// What the decider may read besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: Timestamp,
    pub actor: &'a Actor,
    /// The case's order. Required to open a case; other commands do not read it.
    pub order: Option<&'a Order>,
    pub taxonomy: &'a ReasonTaxonomy,
    /// The rules pack deadlines are computed under.
    pub law: &'a crate::law::LawPack,
    /// The order's money; required by the commands that move it.
    pub ledger: Option<&'a crate::ledger::OrderLedger>,
    /// Required to open a return: the policy and eligibility it is judged by.
    pub returns: Option<&'a crate::returns::ReturnContext>,
    /// The operator's rules of the ladder (`None`: the defaults).
    pub ladder: Option<&'a mediation::LadderRules>,
    /// The merchant's goodwill budget and what the month spent (`None`: no budget set).
    pub goodwill: Option<&'a money::GoodwillContext>,
}

static DEFAULT_LADDER: std::sync::LazyLock<mediation::LadderRules> =
    std::sync::LazyLock::new(mediation::LadderRules::default);

impl Context<'_> {
    /// The rules of the ladder in force.
    pub fn ladder(&self) -> &mediation::LadderRules {
        self.ladder.unwrap_or(&DEFAULT_LADDER)
    }
}

/// Why a command was refused. Codes are stable: clients and translations key on them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the case already exists")]
    AlreadyOpened,
    #[error("the case does not exist")]
    NotOpened,
    #[error("'{command}' is not possible while the case is {status}")]
    InvalidStatus {
        command: &'static str,
        status: CaseStatus,
    },
    #[error("the {party} cannot {command} on this case")]
    PartyNotAllowed { command: &'static str, party: Party },
    #[error("the case's order is missing")]
    OrderRequired,
    #[error("{0}")]
    Invalid(#[from] crate::validation::FieldError),
    #[error("no offer {offer_id} is pending on this case")]
    OfferNotPending { offer_id: u32 },
    #[error("an offer is answered by the party it was made to ({to})")]
    OfferNotAddressedToYou { to: Party },
    #[error("the case is already at stage {current}; it can only move up")]
    StageNotHigher { current: Stage },
    #[error("a decision is recorded in arbitration or by an external body, not in {stage}")]
    DecisionStage { stage: Stage },
    #[error("'{command}' is not possible while the return is {stage}")]
    ReturnStage {
        command: &'static str,
        stage: ReturnStage,
    },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::AlreadyOpened => "case.already_exists",
            Rejection::NotOpened => "case.not_found",
            Rejection::InvalidStatus { .. } => "case.invalid_status",
            Rejection::PartyNotAllowed { .. } => "case.party_not_allowed",
            Rejection::OrderRequired => "case.order_required",
            Rejection::Invalid(error) => error.code,
            Rejection::OfferNotPending { .. } => "offer.not_pending",
            Rejection::OfferNotAddressedToYou { .. } => "offer.not_addressed_to_you",
            Rejection::StageNotHigher { .. } => "escalation.not_higher",
            Rejection::DecisionStage { .. } => "decision.wrong_stage",
            Rejection::ReturnStage { .. } => "return.invalid_stage",
        }
    }

    /// The same rejection, naming `value` as `name` for its message (a field's refusal only).
    pub fn with(self, name: &'static str, value: impl Into<crate::validation::Arg>) -> Self {
        match self {
            Rejection::Invalid(error) => Rejection::Invalid(error.with(name, value)),
            other => other,
        }
    }

    /// The values the rejection's message names, by the catalogue's variable names.
    pub fn args(&self) -> Vec<(&'static str, crate::validation::Arg)> {
        use crate::validation::Arg;
        let text = |value: &str| Arg::Text(value.to_owned());
        match self {
            Rejection::Invalid(error) => error.args.clone(),
            Rejection::AlreadyOpened | Rejection::NotOpened | Rejection::OrderRequired => {
                Vec::new()
            }
            Rejection::InvalidStatus { command, status } => {
                vec![("command", text(command)), ("status", text(status.code()))]
            }
            Rejection::PartyNotAllowed { command, party } => {
                vec![("command", text(command)), ("party", text(party.code()))]
            }
            Rejection::OfferNotPending { offer_id } => vec![("offer_id", Arg::from(*offer_id))],
            Rejection::OfferNotAddressedToYou { to } => vec![("party", text(to.code()))],
            Rejection::StageNotHigher { current } => vec![("stage", text(current.code()))],
            Rejection::DecisionStage { stage } => vec![("stage", text(stage.code()))],
            Rejection::ReturnStage { command, stage } => {
                vec![("command", text(command)), ("stage", text(stage.code()))]
            }
        }
    }

    /// The request field the rejection is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Rejection::Invalid(error) => Some(&error.field),
            Rejection::OfferNotPending { .. } | Rejection::OfferNotAddressedToYou { .. } => {
                Some("offer_id")
            }
            Rejection::StageNotHigher { .. } => Some("to"),
            _ => None,
        }
    }
}

/// Decides what a command means for a case. `state` is `None` for a case that
/// has not been opened yet.
pub fn decide(
    state: Option<&CaseState>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let Some(state) = state else {
        return match command {
            Command::Lifecycle(open @ lifecycle::LifecycleCommand::Open { .. }) => {
                lifecycle::open(open, ctx)
            }
            _ => Err(Rejection::NotOpened),
        };
    };
    match command {
        Command::Lifecycle(command) => lifecycle::decide(state, command, ctx),
        Command::Conversation(command) => conversation::decide(state, command, ctx),
        Command::Escalation(command) => escalation::decide(state, command, ctx),
        Command::Returns(command) => returns::decide(state, command, ctx),
        Command::Money(command) => money::decide(state, command, ctx),
        Command::Incident(command) => incident::decide(state, command, ctx),
        Command::Mediation(command) => mediation::decide(state, command, ctx),
        Command::Helpdesk(command) => helpdesk::decide(state, command, ctx),
    }
}
